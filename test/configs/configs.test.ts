import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeverityNumber, SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultRegistry } from '../../src/components.ts';
import { ConfigError, readRawConfig } from '../../src/config/load.ts';
import { buildGraph } from '../../src/service/graph.ts';
import { CONFIG_ENV } from './env.ts';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest, KeyValue } from '../../src/otlp/types.ts';
import { writeFileSync } from 'node:fs';
import { freePorts, OtlpSink, runCli, type RunningSluice, startSluice, tempDir, waitFor } from '../e2e/harness.ts';
import { exportWith, logExporter, traceExporter } from '../e2e/sdk-clients.ts';

// Real-world Collector configs (each file says where it came from) validate as `sluice validate`
// validates them, and a few run with the real SDK: only the listen and send addresses are
// overridden (with --set), the processors and pipelines run as written.

const DIR = import.meta.dirname;
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const ENV = CONFIG_ENV;

function validate(files: string[], sets: string[] = []) {
  return buildGraph(readRawConfig({ files, sets, env: ENV }), defaultRegistry());
}

describe('real-world configs', () => {
  test('there are ten or more, each saying where it came from', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(10);
    for (const file of FILES) expect(readFileSync(join(DIR, file), 'utf8')).toMatch(/^# Source: \S/);
  });

  test.each(FILES)('%s validates', (file) => {
    let problems = '';
    try {
      validate([join(DIR, file)]);
    } catch (error) {
      problems = error instanceof ConfigError ? error.message : String(error);
    }
    expect(problems).toBe('');
  });

  test('a typo in one of them is reported with its path and a caret under the bad token', () => {
    const error = (() => {
      try {
        validate([join(DIR, 'transform-readme-basic.yaml')], ['processors.transform.trace_statements=["limit(span.atributes, 100, [])"]']);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('processors.transform.trace_statements[0]: unknown path "atributes"');
    expect(error.message).toContain('\n    limit(span.atributes, 100, [])\n               ^^^^^^^^^');
  });
});

test('sluice validate prints every OTTL error with its path and a caret, and exits 2', async () => {
  const file = join(tempDir('ottl-validate-'), 'bad.yaml');
  const text = readFileSync(join(DIR, 'filter-context-blog.yaml'), 'utf8')
    .replace('- name == "debug-log"', '- nme == "debug-log"')
    .replace('- attributes["http.route"] == "/healthz"', '- IsMatch(attributes["http.route"], "(")');
  writeFileSync(file, text);
  const { code, stderr, stdout } = await runCli(['validate', '--config', file], ENV);
  const output = stderr + stdout;
  expect(code).toBe(2);
  expect(output).toContain('processors.filter.traces.spanevent[0]: unknown path "nme" in the spanevent context');
  expect(output).toContain('\n    nme == "debug-log"\n    ^^^\n');
  expect(output).toMatch(/processors\.filter\.traces\.span\[0\]: IsMatch: "pattern" must be a valid RE2 pattern/);
});

const attr = (attributes: KeyValue[] | undefined, key: string) => attributes?.find((a) => a.key === key)?.value;

describe('real-world configs run unchanged with the real SDK', () => {
  let sluice: RunningSluice | undefined;
  const sink = new OtlpSink();

  afterEach(async () => {
    await sluice?.stop();
    await sink.stop();
    sink.received.length = 0;
  });

  async function start(file: string): Promise<{ grpc: number; http: number }> {
    const [grpc, http, health, metrics, sinkPort] = await freePorts(5);
    await sink.startHttp(sinkPort);
    sluice = await startSluice(readFileSync(join(DIR, file), 'utf8'), {
      healthPort: health,
      env: ENV,
      args: [
        '--set', `receivers.otlp.protocols.grpc.endpoint=127.0.0.1:${grpc}`,
        '--set', `receivers.otlp.protocols.http.endpoint=127.0.0.1:${http}`,
        '--set', `exporters.otlphttp.endpoint=http://127.0.0.1:${sinkPort}`,
        '--set', `extensions.health_check.endpoint=127.0.0.1:${health}`,
        '--set', 'service.extensions=[health_check]',
        '--set', `service.telemetry.metrics.address=127.0.0.1:${metrics}`,
        '--set', 'service.telemetry.logs.level=error',
      ],
    });
    return { grpc, http };
  }

  const spans = () => sink.of('traces').flatMap((r: ExportTraceServiceRequest) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource })))));

  test('Splunk workshop: the health check span is dropped and the collector mode stamped', async () => {
    const ports = await start('splunk-workshop-dropping-spans.yaml');
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'web' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    provider.getTracer('t').startSpan('/_healthz', { kind: SpanKind.SERVER }).end();
    provider.getTracer('t').startSpan('/cart', { kind: SpanKind.SERVER }).end();
    expect((await exportWith(traceExporter('grpc', ports, { 'x-sf-token': 't' }), memory.getFinishedSpans())).code).toBe(0);
    await waitFor(() => spans().length >= 1, 10_000, 'spans at the sink');
    expect(spans().map((s) => s.span.name)).toEqual(['/cart']);
    expect(attr(spans()[0].resource?.attributes, 'otelcol.service.mode')?.stringValue).toBe('gateway');
  });

  test("transform README basic config: the password is masked, keys kept, and the log's severity and body set", async () => {
    const ports = await start('transform-readme-basic.yaml');
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'batch-job' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    provider.getTracer('t').startSpan('run', { attributes: { 'process.command_line': 'job --password=hunter2 --verbose', 'thread.id': 7 } }).end();
    expect((await exportWith(traceExporter('http/protobuf', ports), memory.getFinishedSpans())).code).toBe(0);
    await waitFor(() => spans().length >= 1, 10_000, 'spans at the sink');
    const span = spans()[0].span;
    expect(span.attributes.map((a) => a.key)).toEqual(['process.command_line']);
    expect(attr(span.attributes, 'process.command_line')?.stringValue).toBe('job --password=***--verbose');

    const logs = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'api' }), processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
    loggerProvider.getLogger('l').emit({ body: 'request failed', severityNumber: SeverityNumber.ERROR, attributes: { 'http.route': '/user/7/list/3', account: '/account/1234' } });
    await loggerProvider.forceFlush();
    expect((await exportWith(logExporter('http/json', ports), logs.getFinishedLogRecords())).code).toBe(0);
    const records = () => sink.of('logs').flatMap((r: ExportLogsServiceRequest) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
    await waitFor(() => records().length >= 1, 10_000, 'logs at the sink');
    const record = records()[0];
    expect(record.severityText).toBe('FAIL');
    expect(attr(record.attributes, 'http.route')?.stringValue).toBe('/user/{userId}/list/{listId}');
    expect(attr(record.attributes, 'account')?.stringValue).toBe('/account/{accountId}');
    expect(record.body?.stringValue).toBe('/user/{userId}/list/{listId}');
  });

  test("attributes README sample: the actions apply in order to spans sent over gRPC", async () => {
    const ports = await start('attributes-readme-example.yaml');
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    provider.getTracer('t').startSpan('checkout', { attributes: { 'db.table': 'orders', account_password: 'x', account_email: 'a@b.c', 'http.status_code': '200', key_original: 'v', copy_key: 'old' } }).end();
    expect((await exportWith(traceExporter('grpc', ports), memory.getFinishedSpans())).code).toBe(0);
    await waitFor(() => spans().length >= 1, 10_000, 'spans at the sink');
    const span = spans()[0].span;
    expect(attr(span.attributes, 'db.table')).toBeUndefined();
    expect(attr(span.attributes, 'account_password')).toBeUndefined();
    expect(attr(span.attributes, 'redacted_span')?.boolValue).toBe(true);
    expect(attr(span.attributes, 'account_id')?.intValue).toBe(2245n);
    expect(attr(span.attributes, 'http.status_code')?.intValue).toBe(200n);
    expect(attr(span.attributes, 'copy_key')?.stringValue).toBe('v');
    expect(attr(span.attributes, 'account_email')?.stringValue).toMatch(/^[0-9a-f]{40}$/);
    expect(attr(span.attributes, 'region')?.stringValue).toBe('us-east-1');
    expect(attr(span.attributes, 'tenant_id')?.stringValue).toBe('default-tenant');
  });
});
