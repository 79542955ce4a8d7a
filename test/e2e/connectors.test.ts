import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest, HistogramDataPoint, KeyValue, NumberDataPoint } from '../../src/otlp/types.ts';
import { freePorts, otlpReceiverYaml, OtlpSink, runCli, serviceYaml, startSluice, tempDir, waitFor } from './harness.ts';
import { exportWith, traceExporter } from './sdk-clients.ts';

// Span metrics computed before sampling, in the real binary, from the real SDK's spans: one traces
// pipeline fans out to the spanmetrics connector and, through forward, to a sampling pipeline that
// keeps one trace in ten (nine in ten match an always_drop rule, so the fraction is exact and the
// test needs no clock). The metrics pipeline writes to a stand-in OTLP backend and, where the
// Debian package is installed (always in CI), into a real Prometheus by remote write.

const TRACES = 200;
const CHILDREN = 2;
const SPANS = TRACES * (1 + CHILDREN);

function findPrometheus(): string | undefined {
  const override = process.env.PROMETHEUS_BIN;
  if (override !== undefined && override !== '') return existsSync(override) ? override : undefined;
  return ['/usr/bin/prometheus', ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'prometheus'))].find((p) => p.length > 'prometheus'.length && existsSync(p));
}
const prometheusBinary = findPrometheus();
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

const attr = (attributes: KeyValue[], key: string) => attributes.find((a) => a.key === key)?.value;

describe('spanmetrics before a sampler', () => {
  const sink = new OtlpSink();
  let prometheus: ChildProcess | undefined;
  let prometheusUrl = '';
  let dataDir = '';
  let errors = 0;

  beforeAll(async () => {
    if (prometheusBinary === undefined && ci) throw new Error('prometheus is not installed but CI is set: apt-get install prometheus');
    const [grpc, http, health, metrics, sinkPort, promPort] = await freePorts(6);
    await sink.startHttp(sinkPort);
    let remoteWrite = '';
    if (prometheusBinary !== undefined) {
      dataDir = mkdtempSync(join(tmpdir(), 'sluice-spanmetrics-prom-'));
      writeFileSync(join(dataDir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
      prometheusUrl = `http://127.0.0.1:${promPort}`;
      prometheus = spawn(prometheusBinary, ['--web.enable-remote-write-receiver', `--config.file=${join(dataDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dataDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
      await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok === true, 20_000, 'prometheus ready');
      remoteWrite = `\n  prometheusremotewrite: { endpoint: ${prometheusUrl}/api/v1/write }`;
    }
    const sluice = await startSluice(
      `
${otlpReceiverYaml(grpc, http)}
connectors:
  spanmetrics: { namespace: '', dimensions: [{ name: 'http.route' }] }
  forward: {}
processors:
  adaptive_sampling: { decision_wait: 200ms, target_traces_per_second: 100000, always_drop: [{ attribute: test.drop, equals: true }] }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort} }${remoteWrite}
${serviceYaml({ health, metrics })}
    traces: { receivers: [otlp], exporters: [spanmetrics, forward] }
    traces/sampled: { receivers: [forward], processors: [adaptive_sampling], exporters: [otlphttp] }
    metrics: { receivers: [spanmetrics], exporters: [otlphttp${remoteWrite === '' ? '' : ', prometheusremotewrite'}] }
`,
      { healthPort: health },
    );

    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const tracer = provider.getTracer('t');
    for (let i = 0; i < TRACES; i++) {
      const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart', ...(i % 10 === 0 ? {} : { 'test.drop': true }) } }, ROOT_CONTEXT);
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      for (let c = 0; c < CHILDREN; c++) {
        const child = tracer.startSpan('SELECT items', { kind: SpanKind.CLIENT }, ctx);
        if (i % 20 === 0 && c === 0) {
          child.setStatus({ code: SpanStatusCode.ERROR });
          errors++;
        }
        child.end();
      }
      root.end();
    }
    await provider.forceFlush();
    const exporter = traceExporter('http/protobuf', { grpc, http });
    const spans = memory.getFinishedSpans();
    for (let i = 0; i < spans.length; i += 100) expect((await exportWith(exporter, spans.slice(i, i + 100))).code).toBe(0);
    await exporter.shutdown();
    // A graceful stop flushes the connector into the metrics pipeline and the sampler's buffer into
    // its exporter, both before the exporters drain: no waiting on timers.
    expect(await sluice.stop()).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await sink.stop();
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  test('calls and histogram totals equal every span sent, while the traces pipeline keeps exactly the tenth not dropped', () => {
    const metricPoints = (name: string) =>
      sink.of('metrics').flatMap((r: ExportMetricsServiceRequest) => r.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.name === name))));
    const calls = metricPoints('calls').flatMap((m) => m.sum!.dataPoints as NumberDataPoint[]);
    const durations = metricPoints('duration').flatMap((m) => m.histogram!.dataPoints as HistogramDataPoint[]);
    const total = (points: NumberDataPoint[]) => points.reduce((n, p) => n + Number(p.asInt), 0);
    expect(total(calls)).toBe(SPANS);
    expect(durations.reduce((n, p) => n + Number(p.count), 0)).toBe(SPANS);
    expect(durations.every((p) => p.bucketCounts.reduce((a, b) => a + b, 0n) === p.count)).toBe(true);
    const byName = (name: string, status: string) => total(calls.filter((p) => attr(p.attributes, 'span.name')?.stringValue === name && attr(p.attributes, 'status.code')?.stringValue === status));
    expect(byName('GET /cart', 'STATUS_CODE_UNSET')).toBe(TRACES);
    expect(byName('SELECT items', 'STATUS_CODE_ERROR')).toBe(errors);
    expect(byName('SELECT items', 'STATUS_CODE_UNSET')).toBe(TRACES * CHILDREN - errors);
    expect(calls.filter((p) => attr(p.attributes, 'span.name')?.stringValue === 'GET /cart').every((p) => attr(p.attributes, 'http.route')?.stringValue === '/cart')).toBe(true);

    const kept = sink.of('traces').flatMap((r: ExportTraceServiceRequest) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    expect(kept).toHaveLength(SPANS / 10);
  });

  test.skipIf(prometheusBinary === undefined && !ci)('through prometheusremotewrite, calls_total for the service in Prometheus equals the spans sent', async () => {
    const query = async () => {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(calls_total{service_name="shop"})')}`);
      const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result.length === 0 ? undefined : Number(body.data.result[0].value[1]);
    };
    await waitFor(async () => (await query()) !== undefined, 15_000, 'calls_total in prometheus');
    expect(await query()).toBe(SPANS);
  });
});

test('sluice validate lists every connector mistake at once and exits 2', async () => {
  const path = join(tempDir(), 'bad.yaml');
  writeFileSync(
    path,
    `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:4318 } } } }
exporters: { debug: {} }
connectors: { spanmetrics: { histogram: { exponential: {}, explicit: {} } }, forward/a: {}, forward/b: {}, forward/dangling: {}, count: {} }
service:
  pipelines:
    traces: { receivers: [otlp, forward/b], exporters: [forward/a, forward/dangling, spanmetrics] }
    traces/b: { receivers: [forward/a], exporters: [forward/b] }
    logs: { receivers: [spanmetrics, count], exporters: [debug] }
`,
  );
  const result = await runCli(['validate', '--config', path]);
  expect(result.code).toBe(2);
  for (const line of [
    'connectors.spanmetrics.histogram.exponential: choose explicit or exponential, not both',
    'connectors.forward/dangling: connector "forward/dangling" is an exporter in traces but no pipeline lists it as a receiver, so what it emits goes nowhere',
    'connectors.count: connector "count" is a receiver in logs but no pipeline lists it as an exporter, so it never gets anything',
    'service.pipelines.logs.receivers[0]: connector "spanmetrics" cannot be a receiver in a logs pipeline (it can in metrics)',
    'service.pipelines.traces: pipelines form a cycle through connectors: traces → forward/a → traces/b → forward/b → traces',
  ]) {
    expect(result.stderr).toContain(line);
  }
});
