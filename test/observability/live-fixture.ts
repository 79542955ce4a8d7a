// A Sluice with every observable part switched on (heartbeat, tenants, sampling, cardinality
// caps, status page), fed continuously by the real OpenTelemetry SDK exporters, for the live
// Prometheus/Grafana and status page tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ManualReader } from '../support/sdk.ts';
import { freePorts, otlpReceiverYaml, OtlpSink, startSluice, tempDir, type RunningSluice } from '../e2e/harness.ts';
import { exportWith, logExporter, metricExporter, traceExporter } from '../e2e/sdk-clients.ts';

export const TENANTS = ['acme', 'beta', 'gamma'];
/** The tenant whose spans arrive 2 s after they ended. */
export const DELAYED_TENANT = 'delayed';
export const HEARTBEAT_INTERVAL_MS = 500;

export interface LiveSluice {
  sluice: RunningSluice;
  sink: OtlpSink;
  ports: { grpc: number; http: number; health: number; metrics: number; sink: number; extra: number };
  /** Stops the data the driver sends; the heartbeat keeps going. */
  stopDriving(): Promise<void>;
  stop(): Promise<void>;
}

function tracerFor(tenant: string) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': `shop-${tenant}` }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { tracer: provider.getTracer('live-test'), exporter };
}

async function spans(tenant: string, round: number): Promise<ReadableSpan[]> {
  const { tracer, exporter } = tracerFor(tenant);
  const delayed = tenant === DELAYED_TENANT;
  const count = delayed ? 1 : 5 + (round % 7);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    // The artificial delay: these spans ended 2 s before they are exported. They are errors, so
    // the tail sampler keeps them whatever its rates.
    const span = tracer.startSpan(delayed ? 'GET /slow' : `GET /api/${i % 3}`, delayed ? { startTime: now - 2100 } : {});
    if (delayed || i === 0) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(delayed ? now - 2000 : undefined);
  }
  return exporter.getFinishedSpans();
}

export async function startLiveSluice(extra: { extensions?: string; extensionIds?: string[] } = {}): Promise<LiveSluice> {
  const [grpc, http, health, metrics, sinkPort, extraPort] = await freePorts(6);
  const sink = new OtlpSink();
  await sink.startHttp(sinkPort);
  const dir = tempDir();
  const tenantsFile = join(dir, 'tenants.yaml');
  writeFileSync(tenantsFile, `tenants:\n${[...TENANTS, DELAYED_TENANT, 'ops'].map((t) => `  - { id: ${t} }\n`).join('')}`);
  const extensions = extra.extensions?.replaceAll('EXTRA_PORT', String(extraPort)) ?? '';
  const sluice = await startSluice(
    `
${otlpReceiverYaml(grpc, http)}
  # A generous deadline, so a loaded test machine does not make a healthy pipeline look late.
  heartbeat: { interval: ${HEARTBEAT_INTERVAL_MS}ms, deadline: 5s, resource_attributes: { tenant.id: ops } }
processors:
  tenant: { tenants_file: ${tenantsFile}, unknown_tenant: { action: reject } }
  adaptive_sampling:
    decision_wait: 100ms
    target_traces_per_second: 5
    adjustment_interval: 500ms
    # Without this the heartbeat's trace is sampled like any other, and may be dropped.
    always_keep: [{ name: heartbeat, attribute: sluice.heartbeat.pipeline, exists: true }]
  cardinality_limit: { max_series_per_metric: 5 }
  batch: { timeout: 100ms, metadata_keys: [tenant] }
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${sinkPort}
    retry_on_failure: { initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 1s }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
${extensions}
service:
  extensions: [health_check${(extra.extensionIds ?? []).map((id) => `, ${id}`).join('')}]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: error } }
  pipelines:
    traces: { receivers: [otlp, heartbeat], processors: [tenant, adaptive_sampling, batch], exporters: [otlphttp] }
    metrics: { receivers: [otlp, heartbeat], processors: [tenant, cardinality_limit, batch], exporters: [otlphttp] }
    logs: { receivers: [otlp, heartbeat], processors: [tenant, batch], exporters: [otlphttp] }
`,
    { healthPort: health },
  );
  const ports = { grpc, http, health, metrics, sink: sinkPort, extra: extraPort };
  const otlp = { grpc, http };

  // Metrics with more series than the cardinality cap allows, and logs, with the tenant as a resource attribute.
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'tenant.id': 'acme' }), readers: [reader] });
  const counter = meterProvider.getMeter('live-test').createCounter('shop.orders');
  const logs = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'tenant.id': 'beta' }), processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
  const logger = loggerProvider.getLogger('live-test');

  let round = 0;
  let driving = true;
  const drive = async () => {
    while (driving) {
      round++;
      const sends: Promise<unknown>[] = [];
      for (const tenant of [...TENANTS.slice(0, 1 + (round % TENANTS.length)), DELAYED_TENANT]) {
        sends.push(spans(tenant, round).then((s) => exportWith(traceExporter('http/protobuf', otlp, { 'x-scope-orgid': tenant }), s)));
      }
      // An unknown tenant (refused, reason unknown) and an undecodable body (refused, reason invalid).
      sends.push(spans('acme', round).then((s) => exportWith(traceExporter('http/protobuf', otlp, { 'x-scope-orgid': 'nobody' }), s)));
      sends.push(fetch(`http://127.0.0.1:${http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0xff]) }).catch(() => {}));
      counter.add(1, { customer: `c${round % 9}` });
      sends.push(reader.collect().then(({ resourceMetrics }) => exportWith(metricExporter('http/protobuf', otlp), resourceMetrics)));
      logger.emit({ body: `order ${round}` });
      const records = logs.getFinishedLogRecords().slice();
      logs.reset();
      sends.push(exportWith(logExporter('http/protobuf', otlp), records));
      await Promise.allSettled(sends);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const driver = drive();
  const stopDriving = async () => {
    driving = false;
    await driver;
  };
  return {
    sluice,
    sink,
    ports,
    stopDriving,
    async stop() {
      await stopDriving();
      await sluice.stop();
      await sink.stop();
    },
  };
}
