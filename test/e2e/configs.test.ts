import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_ENV } from '../configs/env.ts';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultRegistry } from '../../src/components.ts';
import { readRawConfig } from '../../src/config/load.ts';
import { buildGraph } from '../../src/service/graph.ts';
import { sdkSpans } from '../otlp/sdk-fixtures.ts';
import { exportWith, traceExporter, type Transport } from './sdk-clients.ts';
import { freePorts, OtlpSink, ROOT, runCli, scrapeMetrics, startSluice, tempDir, waitFor } from './harness.ts';
import { testScope } from './scope.ts';

// test/configs/ holds real-world Collector configs, each with a comment naming where it came
// from. Every one validates unchanged. Those that use only what Sluice runs are also started
// (their ports and backends moved onto loopback with --set and a yaml: config, as a user would
// override them) and take spans from the real SDK through to a test backend.

const DIR = join(ROOT, 'test/configs');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

const ENV = CONFIG_ENV;

const scope = testScope();

/** A config from test/configs started on loopback: receivers, health and self-metrics moved to free ports. */
async function startConfig(file: string, ports: { grpc: number; http: number; health: number; metrics: number }, env: NodeJS.ProcessEnv, args: string[], protocols: readonly ('grpc' | 'http')[] = ['grpc', 'http']) {
  scope.running = await startSluice(readFileSync(join(DIR, file), 'utf8'), {
    healthPort: ports.health,
    env,
    args: [...protocols.flatMap((p) => ['--set', `receivers::otlp::protocols::${p}::endpoint=127.0.0.1:${ports[p]}`]), ...args],
  });
  return scope.running;
}

interface StartCase {
  file: string;
  /** The protocols the config enables, and the one the SDK sends over. */
  protocols: readonly ('grpc' | 'http')[];
  transport: Transport;
  /** The config's own extensions, to which health_check is added. */
  extensions: readonly string[];
  env: (sink: { grpc: number; http: number }) => NodeJS.ProcessEnv;
  sdkHeaders?: Record<string, string>;
  args?: (ports: { metrics: number; sinkHttp: number; sinkGrpc: number }) => string[];
  check: (sink: OtlpSink) => boolean;
}

// The other configs that use only what Sluice runs: each started with its exporters' backends
// (from the environment, as the configs read them) pointed at a sink.
const START_CASES: StartCase[] = [
  {
    // Its endpoint is written in the file, so it is moved with --set; zstd goes out as gzip over gRPC.
    file: 'honeycomb.yaml',
    protocols: ['grpc', 'http'],
    transport: 'http/protobuf',
    extensions: [],
    env: () => ({}),
    args: ({ metrics, sinkGrpc }) => ['--set', `service::telemetry::metrics::address=127.0.0.1:${metrics}`, '--set', `exporters::otlp::endpoint=127.0.0.1:${sinkGrpc}`, '--set', 'exporters::otlp::tls::insecure=true'],
    check: (sink) => sink.received.some((r) => r.headers['x-honeycomb-team'] === 'hc-key'),
  },
  {
    file: 'loki-tempo-tenants.yaml',
    protocols: ['grpc', 'http'],
    transport: 'http/protobuf',
    extensions: ['headers_setter'],
    env: (sink) => ({ TEMPO_ENDPOINT: `127.0.0.1:${sink.grpc}`, LOKI_ENDPOINT: `http://127.0.0.1:${sink.http}` }),
    sdkHeaders: { 'X-Scope-OrgID': 'tenant-7' },
    check: (sink) => sink.received.some((r) => r.signal === 'traces' && r.headers['x-scope-orgid'] === 'tenant-7'),
  },
  {
    file: 'bearer-agent-gateway.yaml',
    protocols: ['grpc'],
    transport: 'grpc',
    extensions: ['bearertokenauth', 'bearertokenauth/withscheme'],
    env: (sink) => ({ OTLP_BACKEND: `127.0.0.1:${sink.grpc}` }),
    sdkHeaders: { authorization: 'Bearer gw-token' },
    check: (sink) => sink.received.some((r) => r.headers.authorization === 'Bearer gw-token'),
  },
  {
    file: 'basicauth-server.yaml',
    protocols: ['http'],
    transport: 'http/json',
    extensions: ['basicauth/server', 'basicauth/client'],
    env: (sink) => ({ OTLP_BACKEND: `127.0.0.1:${sink.grpc}` }),
    sdkHeaders: { authorization: `Basic ${Buffer.from('agent:agent-pass').toString('base64')}` },
    check: (sink) => sink.received.some((r) => r.headers.authorization === `Basic ${Buffer.from('gw:gw-pass').toString('base64')}`),
  },
  {
    file: 'self-metrics-otlp.yaml',
    protocols: ['http'],
    transport: 'http/protobuf',
    extensions: [],
    env: (sink) => ({ BACKEND: `http://127.0.0.1:${sink.http}` }),
    // The periodic reader, faster, to the sink; /metrics on a free port.
    args: ({ metrics, sinkHttp }) => ['--set', `service::telemetry::metrics::readers=[{periodic: {interval: 200, exporter: {otlp: {protocol: http/protobuf, endpoint: "http://127.0.0.1:${sinkHttp}/v1/metrics", headers: {signoz-ingestion-key: sz}}}}}, {pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}}]`],
    check: (sink) => sink.received.some((r) => r.signal === 'traces') && sink.of('metrics').some((m) => m.resourceMetrics[0]?.resource?.attributes.some((a) => a.key === 'service.name' && a.value.stringValue === 'otel-gateway')),
  },
];

describe('real-world Collector configs (test/configs)', () => {
  test('there are configs, each says where it came from, and every one validates unchanged', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(10);
    const registry = defaultRegistry();
    for (const file of FILES) {
      const text = readFileSync(join(DIR, file), 'utf8');
      expect(text.startsWith('# Source:'), `${file} names its source`).toBe(true);
      expect(() => buildGraph(readRawConfig({ files: [join(DIR, file)], env: ENV }), registry), file).not.toThrow();
    }
  });

  test('sluice validate prints the notices of accepted-and-ignored keys and deprecated names', async () => {
    const result = await runCli(['validate', '--config', join(DIR, 'helm-older-chart.yaml')], ENV);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('note: exporters.logging: "logging" is deprecated: it is the old name of "debug"; write debug instead');
    const queue = await runCli(['validate', '--config', join(DIR, 'durable-queue.yaml')], ENV);
    expect(queue.code).toBe(0);
    expect(queue.stderr).toContain('note: exporters.otlphttp/items.sending_queue.batch.flush_timeout: accepted and ignored');
    expect(queue.stderr).toContain('note: extensions.file_storage.compaction: accepted and ignored');
  });

  test('--config env: and file: URIs, --set with ::, and --feature-gates (listed as ignored) work as on the Collector', async () => {
    const text = readFileSync(join(DIR, 'collector-local-example.yaml'), 'utf8');
    const result = await runCli(['validate', '--config', 'env:SLUICE_CONFIG_TEXT', '--config', `file:${join(DIR, 'browser-cors.yaml')}`, '--set', 'processors::batch::timeout=2s', '--feature-gates=+exporter.otlphttp.Foo,-telemetry.Bar'], { SLUICE_CONFIG_TEXT: text });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('note: --feature-gates: Sluice has no feature gates; ignored: exporter.otlphttp.Foo, telemetry.Bar');
    const printed = await runCli(['print-config', '--config', 'env:SLUICE_CONFIG_TEXT', '--set', 'processors::batch::timeout=2s'], { SLUICE_CONFIG_TEXT: text });
    expect(printed.stdout).toMatch(/batch:\n\s+send_batch_size: 10000\n\s+timeout: 2s/);
    expect((await runCli(['validate', '--config', 'env:NOT_SET_ANYWHERE'])).stderr).toContain('environment variable NOT_SET_ANYWHERE is not set');
  });

  test.each(START_CASES)('$file starts and carries SDK spans to its backends', async (c) => {
    const [grpc, http, health, metrics, sinkGrpc, sinkHttp] = await freePorts(6);
    const sink = new OtlpSink();
    await sink.startGrpc(sinkGrpc);
    await sink.startHttp(sinkHttp);
    scope.cleanups.push(() => sink.stop());
    await startConfig(c.file, { grpc, http, health, metrics }, { ...ENV, ...c.env({ grpc: sinkGrpc, http: sinkHttp }) }, [
      '--config', `yaml:extensions::health_check::endpoint: 127.0.0.1:${health}`,
      '--set', `service::extensions=[${[...c.extensions, 'health_check'].join(', ')}]`,
      ...(c.args?.({ metrics, sinkHttp, sinkGrpc }) ?? ['--set', `service::telemetry::metrics::address=127.0.0.1:${metrics}`]),
    ], c.protocols);
    expect((await exportWith(traceExporter(c.transport, { grpc, http }, c.sdkHeaders), await sdkSpans(2))).code).toBe(0);
    await waitFor(() => c.check(sink), 15_000, `${c.file}: what its backend should get`);
  }, 60_000);

  test('the Helm chart config starts as rendered and passes SDK spans to a sink added with a yaml: config', async () => {
    const [grpc, http, health, metrics, sinkPort] = await freePorts(5);
    const sink = new OtlpSink();
    await sink.startHttp(sinkPort);
    scope.cleanups.push(() => sink.stop());
    await startConfig('helm-deployment.yaml', { grpc, http, health, metrics }, ENV, [
      '--config', `yaml:exporters::otlphttp/sink::endpoint: http://127.0.0.1:${sinkPort}`,
      '--set', `extensions::health_check::endpoint=127.0.0.1:${health}`,
      '--set', `service::telemetry::metrics::readers=[{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}}]`,
      '--set', 'service::pipelines::traces::exporters=[debug, otlphttp/sink]',
    ]);
    expect((await exportWith(traceExporter('grpc', { grpc, http }), await sdkSpans(4))).code).toBe(0);
    await waitFor(() => sink.received.length > 0, 15_000, 'spans at the sink');
    expect(sink.of('traces')[0].resourceSpans[0].scopeSpans[0].spans.length).toBe(4);
    // The Collector's labels on every self-metric, and the memory limit's source said at start.
    const page = await scrapeMetrics(metrics);
    expect(page).toMatch(/otelcol_receiver_accepted_spans_total\{service_instance_id="[0-9a-f-]{36}",service_name="sluice",service_version="[^"]+",receiver="otlp"/);
    expect(scope.running!.output()).toContain('memory limit set from limit_percentage');
  }, 60_000);

  test('the Grafana Cloud config starts and authenticates with basic auth to a backend that checks it', async () => {
    const [grpc, http, health, metrics, backendPort] = await freePorts(5);
    const accepted: IncomingHttpHeaders[] = [];
    const expected = `Basic ${Buffer.from('123456:glc_secret_key').toString('base64')}`;
    const backend: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers.authorization === expected) accepted.push(req.headers);
        res.writeHead(req.headers.authorization === expected ? 200 : 401).end();
      });
    });
    await new Promise<void>((r) => backend.listen(backendPort, '127.0.0.1', r));
    scope.cleanups.push(() => new Promise((r) => backend.close(r)));
    await startConfig('grafana-cloud.yaml', { grpc, http, health, metrics }, { ...ENV, GRAFANA_CLOUD_OTLP_ENDPOINT: `http://127.0.0.1:${backendPort}/otlp` }, [
      '--config', `yaml:extensions::health_check::endpoint: 127.0.0.1:${health}`,
      '--set', 'service::extensions=[basicauth/grafana_cloud, health_check]',
      '--set', `service::telemetry::metrics::address=127.0.0.1:${metrics}`,
    ]);
    expect((await exportWith(traceExporter('http/json', { grpc, http }), await sdkSpans(2))).code).toBe(0);
    await waitFor(() => accepted.length > 0, 15_000, 'an authenticated request');
    expect(accepted[0]['content-type']).toBe('application/x-protobuf');
    expect(scope.running!.output()).not.toContain('glc_secret_key');
  }, 60_000);
});
