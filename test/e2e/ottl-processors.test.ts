import { SeverityNumber, SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue } from '../../src/otlp/types.ts';
import { ManualReader } from '../support/sdk.ts';
import { freePorts, otlpReceiverYaml, OtlpSink, type RunningSluice, serviceYaml, startSluice, waitFor } from './harness.ts';
import { exportWith, logExporter, metricExporter, traceExporter } from './sdk-clients.ts';

// filter, attributes, resource and transform in one running Sluice, for all three signals, driven
// by the real SDK exporters (HTTP/protobuf for traces, gRPC for metrics, HTTP/JSON for logs).

const attr = (attributes: KeyValue[] | undefined, key: string) => attributes?.find((a) => a.key === key)?.value;

describe('filter, attributes, resource and transform in a running pipeline', () => {
  let sluice: RunningSluice;
  const sink = new OtlpSink();
  let ports: { grpc: number; http: number };

  beforeAll(async () => {
    const [grpc, http, health, metrics, sinkPort] = await freePorts(5);
    ports = { grpc, http };
    await sink.startHttp(sinkPort);
    sluice = await startSluice(
      `
${otlpReceiverYaml(grpc, http)}
processors:
  filter/health:
    error_mode: ignore
    traces:
      span:
        - attributes["http.route"] == "/healthz"
    metrics:
      metric:
        - name == "jvm.noise"
    logs:
      log_record:
        - severity_number < SEVERITY_NUMBER_INFO
  attributes:
    actions:
      - { key: db.statement, action: delete }
      - { key: env, value: prod, action: upsert }
  resource:
    attributes:
      - { key: deployment.environment, value: staging, action: upsert }
  transform:
    error_mode: ignore
    trace_statements:
      - set(span.name, Concat(["svc", span.name], ":")) where span.kind == SPAN_KIND_SERVER
    metric_statements:
      - set(metric.unit, "ms") where metric.name == "latency"
    log_statements:
      - set(log.severity_text, "FAIL") where log.body == "request failed"
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort} }
${serviceYaml({ health, metrics })}
    traces: { receivers: [otlp], processors: [filter/health, attributes, resource, transform], exporters: [otlphttp] }
    metrics: { receivers: [otlp], processors: [filter/health, attributes, resource, transform], exporters: [otlphttp] }
    logs: { receivers: [otlp], processors: [filter/health, attributes, resource, transform], exporters: [otlphttp] }
`,
      { healthPort: health },
    );
  });

  afterAll(async () => {
    await sluice?.stop();
    await sink.stop();
  });

  test('traces: the health check is dropped, the rest edited by each processor', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const tracer = provider.getTracer('t');
    tracer.startSpan('GET /healthz', { kind: SpanKind.SERVER, attributes: { 'http.route': '/healthz' } }).end();
    tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart', 'db.statement': 'SELECT 1' } }).end();
    tracer.startSpan('SELECT', { kind: SpanKind.CLIENT }).end();
    expect((await exportWith(traceExporter('http/protobuf', ports), memory.getFinishedSpans())).code).toBe(0);

    const spans = () => sink.of('traces').flatMap((r: ExportTraceServiceRequest) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource })))));
    await waitFor(() => spans().length >= 2, 10_000, 'spans at the sink');
    const got = spans();
    expect(got.map((s) => s.span.name).sort()).toEqual(['SELECT', 'svc:GET /cart']);
    const cart = got.find((s) => s.span.name === 'svc:GET /cart')!;
    expect(attr(cart.span.attributes, 'db.statement')).toBeUndefined();
    expect(attr(cart.span.attributes, 'env')?.stringValue).toBe('prod');
    expect(attr(cart.resource?.attributes, 'deployment.environment')?.stringValue).toBe('staging');
    expect(attr(cart.resource?.attributes, 'service.name')?.stringValue).toBe('shop');
  });

  test('metrics: the noisy metric is dropped; points get the attribute, the metric its unit', async () => {
    const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), readers: [reader] });
    const meter = provider.getMeter('m');
    meter.createCounter('latency').add(5, { route: '/cart' });
    meter.createCounter('jvm.noise').add(1);
    const { resourceMetrics } = await reader.collect();
    expect((await exportWith(metricExporter('grpc', ports), resourceMetrics)).code).toBe(0);

    const metrics = () => sink.of('metrics').flatMap((r: ExportMetricsServiceRequest) => r.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => ({ metric, resource: rm.resource })))));
    await waitFor(() => metrics().length >= 1, 10_000, 'metrics at the sink');
    const got = metrics();
    expect(got.map((m) => m.metric.name)).toEqual(['latency']);
    expect(got[0].metric.unit).toBe('ms');
    expect(attr(got[0].metric.sum!.dataPoints[0].attributes, 'env')?.stringValue).toBe('prod');
    expect(attr(got[0].metric.sum!.dataPoints[0].attributes, 'route')?.stringValue).toBe('/cart');
    expect(attr(got[0].resource?.attributes, 'deployment.environment')?.stringValue).toBe('staging');
  });

  test('logs: debug records are dropped; the failure gets its severity text', async () => {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
    const logger = provider.getLogger('l');
    logger.emit({ body: 'noise', severityNumber: SeverityNumber.DEBUG });
    logger.emit({ body: 'request failed', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', attributes: { 'db.statement': 'x' } });
    await provider.forceFlush();
    expect((await exportWith(logExporter('http/json', ports), memory.getFinishedLogRecords())).code).toBe(0);

    const records = () => sink.of('logs').flatMap((r: ExportLogsServiceRequest) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
    await waitFor(() => records().length >= 1, 10_000, 'logs at the sink');
    const got = records();
    expect(got).toHaveLength(1);
    expect(got[0].severityText).toBe('FAIL');
    expect(attr(got[0].attributes, 'db.statement')).toBeUndefined();
    expect(attr(got[0].attributes, 'env')?.stringValue).toBe('prod');
  });
});
