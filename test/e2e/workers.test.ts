import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeMetrics, encodeTraces } from '../../src/otlp/protobuf.ts';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest, Metric, Span } from '../../src/otlp/types.ts';
import { attrs, metric, metricsRequest, scopeMetrics, span, tracesRequest } from '../support/otlp.ts';
import { freePorts, metricValue, OtlpSink, type RunningSluice, scrapeMetrics, startSluice, tempDir, waitFor } from './harness.ts';

// Sluice with `service.workers: 2`: two processes behind one set of ports. Every request goes on a
// new connection, so the primary hands them to both workers in turn, and the spans of each trace
// are split over two requests: only the routing by trace id between workers keeps traces whole.

const TRACES = 1000;
const SPANS_PER_TRACE = 4;

/** POSTs an OTLP/protobuf body on a connection of its own; resolves with the status code. */
function post(port: number, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/x-protobuf', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** This test's trace ids start with three 0x7e bytes (the SDK's in the first test are random). */
function traceId(n: number): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, n * 2654435761);
  id.fill(0x7e, 0, 3);
  id[5] = n & 0xff;
  return id;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The spans of traces [first, first+count), the first or second half of each trace's spans. */
function halfOfTraces(first: number, count: number, half: 0 | 1): ExportTraceServiceRequest {
  const spans: Span[] = [];
  for (let t = first; t < first + count; t++) {
    for (let s = half * 2; s < half * 2 + 2; s++) {
      const spanId = new Uint8Array(8);
      spanId[0] = s + 1;
      new DataView(spanId.buffer).setUint32(4, t);
      const error = t % 10 === 0 && s === 3;
      spans.push(span(attrs({ 'trace.n': t }), { traceId: traceId(t), spanId, name: `op-${s}`, status: error ? { code: 2, message: 'boom' } : undefined }));
    }
  }
  return tracesRequest(spans, attrs({ 'service.name': 'checkout' }));
}

describe('several workers', () => {
  let sluice: RunningSluice;
  const sink = new OtlpSink();
  let ports: { grpc: number; http: number; metrics: number };

  beforeAll(async () => {
    const [grpc, http, health, metrics, sinkPort] = await freePorts(5);
    ports = { grpc, http, metrics };
    await sink.startHttp(sinkPort);
    const dir = tempDir('workers-');
    const tenants = join(dir, 'tenants.yaml');
    writeFileSync(tenants, 'tenants:\n  - { id: limited, quotas: { log_records_per_second: 400, burst_seconds: 1 } }\n');
    sluice = await startSluice(
      `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpc} }
      http: { endpoint: 127.0.0.1:${http}, include_metadata: true }
processors:
  adaptive_sampling: { decision_wait: 1s, target_traces_per_second: 20, adjustment_interval: 1s }
  cardinality_limit: { max_series_per_metric: 50 }
  tenant: { tenants_file: ${tenants}, quotas_enabled: true, unknown_tenant: { action: reject } }
  batch: { timeout: 100ms }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort}, retry_on_failure: { enabled: false } }
connectors:
  spanmetrics: { metrics_flush_interval: 500ms, histogram: { disable: true } }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  workers: 2
  extensions: [health_check]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [adaptive_sampling, batch], exporters: [otlphttp] }
    metrics: { receivers: [otlp], processors: [cardinality_limit], exporters: [otlphttp] }
    logs: { receivers: [otlp], processors: [tenant], exporters: [otlphttp] }
    traces/spanmetrics: { receivers: [otlp], exporters: [spanmetrics] }
    metrics/spanmetrics: { receivers: [spanmetrics], exporters: [otlphttp] }
`,
      { healthPort: health },
    );
  }, 30_000);

  afterAll(async () => {
    await sluice?.stop('SIGKILL');
    await sink.stop();
  });

  test('the real SDK exporter over gRPC and over HTTP is served by the pool', async () => {
    const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
    const { exportWith, traceExporter } = await import('./sdk-clients.ts');
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    for (let i = 0; i < 20; i++) provider.getTracer('t').startSpan(`op ${i}`).end();
    const spans = memory.getFinishedSpans();
    for (const transport of ['grpc', 'http/protobuf'] as const) {
      const exporter = traceExporter(transport, ports);
      expect((await exportWith(exporter, spans)).code, transport).toBe(0);
      await exporter.shutdown();
    }
  });

  test('two worker processes serve one port, and /metrics counts both', async () => {
    const page = await scrapeMetrics(ports.metrics);
    expect(metricValue(page, 'sluice_workers', { state: 'running' })).toBe(2);
    expect(metricValue(page, 'sluice_worker_restarts_total')).toBe(0);
  });

  test(`${TRACES} traces sent in halves over separate connections arrive kept or dropped whole, every error trace kept`, async () => {
    const CHUNK = 50;
    const acceptedBefore = metricValue(await scrapeMetrics(ports.metrics), 'otelcol_receiver_accepted_spans_total', { receiver: 'otlp', transport: 'http' }) ?? 0;
    for (let first = 0; first < TRACES; first += CHUNK) {
      const statuses = await Promise.all([
        post(ports.http, '/v1/traces', encodeTraces(halfOfTraces(first, CHUNK, 0))),
        post(ports.http, '/v1/traces', encodeTraces(halfOfTraces(first, CHUNK, 1))),
      ]);
      expect(statuses).toEqual([200, 200]);
    }
    // Both workers took requests, and the sums over them are what was sent.
    const page = await scrapeMetrics(ports.metrics);
    expect(metricValue(page, 'otelcol_receiver_accepted_spans_total', { receiver: 'otlp', transport: 'http' })! - acceptedBefore).toBe(TRACES * SPANS_PER_TRACE);

    const spansByTrace = new Map<string, number>();
    const count = () => {
      spansByTrace.clear();
      for (const r of sink.of('traces')) for (const rs of r.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) if (s.traceId[0] === 0x7e && s.traceId[1] === 0x7e && s.traceId[2] === 0x7e) spansByTrace.set(hex(s.traceId), (spansByTrace.get(hex(s.traceId)) ?? 0) + 1);
      return spansByTrace.size;
    };
    // Decisions come after decision_wait (1 s) and the sampler's next sweep.
    let last = -1;
    await waitFor(async () => {
      const now = count();
      const settled = now > 0 && now === last;
      last = now;
      if (!settled) await new Promise((r) => setTimeout(r, 1_000));
      return settled;
    }, 30_000, 'sampled traces to settle');

    const partial = [...spansByTrace.values()].filter((n) => n !== SPANS_PER_TRACE);
    expect(partial).toEqual([]);
    for (let t = 0; t < TRACES; t += 10) expect(spansByTrace.get(hex(traceId(t))), `error trace ${t}`).toBe(SPANS_PER_TRACE);
    // The sampler did drop traces (else "whole" would prove nothing).
    expect(spansByTrace.size).toBeLessThan(TRACES);
  }, 60_000);

  test('span metrics of one service, whose spans came to both workers, are written by one worker: every span counted in one series', async () => {
    // The traces test sent TRACES × SPANS_PER_TRACE spans of service checkout (op-0 … op-3, some
    // with status error) over connections to both workers. Each series is cumulative: one written
    // by two workers would show each one's part, never the whole, and the largest values would
    // add up to less than every span.
    const counted = () => {
      const calls = new Map<string, number>();
      for (const r of sink.of('metrics')) for (const rm of r.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) {
        if (m.name !== 'traces.span.metrics.calls') continue;
        for (const p of m.sum!.dataPoints) {
          if (!(p.attributes.find((a) => a.key === 'span.name')?.value.stringValue ?? '').startsWith('op-')) continue;
          const series = JSON.stringify(p.attributes.map((a) => [a.key, a.value]));
          calls.set(series, Math.max(calls.get(series) ?? 0, Number(p.asInt ?? 0n)));
        }
      }
      return [...calls.values()].reduce((a, b) => a + b, 0);
    };
    await waitFor(() => counted() >= TRACES * SPANS_PER_TRACE, 15_000, 'span metrics of every span').catch((error: unknown) => {
      throw new Error(`${String(error)}: ${counted()} of ${TRACES * SPANS_PER_TRACE} spans counted`);
    });
    expect(counted()).toBe(TRACES * SPANS_PER_TRACE);
  }, 30_000);

  test('a metric with 10× its cap in series, sent to both workers, yields the cap + 1 series with the total kept', async () => {
    const SERIES = 500;
    const requests: ExportMetricsServiceRequest[] = [];
    for (let r = 0; r < 10; r++) {
      const points = [];
      for (let i = r * 50; i < r * 50 + 50; i++) points.push({ attributes: attrs({ user: `u-${i}` }), startTimeUnixNano: 1n, timeUnixNano: 2n, asInt: 1n, exemplars: [], flags: 0 });
      const m: Metric = metric('logins', { sum: { dataPoints: points, aggregationTemporality: 1, isMonotonic: true } });
      requests.push(metricsRequest(attrs({ 'service.name': 'auth' }), [scopeMetrics([m])]));
    }
    const statuses = await Promise.all(requests.map((r) => post(ports.http, '/v1/metrics', encodeMetrics(r))));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const series = new Set<string>();
    let total = 0;
    await waitFor(() => {
      series.clear();
      total = 0;
      for (const r of sink.of('metrics')) {
        for (const rm of r.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) {
          if (m.name !== 'logins') continue;
          for (const p of m.sum!.dataPoints) {
            series.add(JSON.stringify(p.attributes.map((a) => [a.key, a.value])));
            total += Number(p.asInt ?? 0n) + (p.asDouble ?? 0);
          }
        }
      }
      return total >= SERIES;
    }, 15_000, 'all points delivered');
    expect(total).toBe(SERIES);
    expect(series.size).toBe(50 + 1);
  }, 30_000);

  test("a tenant's quota holds for the whole process, not per worker", async () => {
    const started = Date.now();
    let accepted = 0;
    let refused = 0;
    const logs = (n: number) => {
      const records = Array.from({ length: n }, (_, i) => ({ timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: 'INFO', body: { stringValue: `line ${i}` }, attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' }));
      return { resourceLogs: [{ resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] }, scopeLogs: [{ scope: undefined, logRecords: records, schemaUrl: '' }], schemaUrl: '' }] };
    };
    const { encodeLogs } = await import('../../src/otlp/protobuf.ts');
    const body = encodeLogs(logs(20) as never);
    // About 3 s at ~3× the quota (400 records/s), over many connections to both workers.
    while (Date.now() - started < 3_000) {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => post(ports.http, '/v1/logs', body, { 'x-scope-orgid': 'limited' })));
      for (const s of statuses) s === 200 ? (accepted += 20) : (refused += 20);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    // The whole process admits the rate plus one burst (within 10%); two workers each admitting
    // the whole rate would come to twice that.
    expect(refused).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual((400 * seconds + 400) * 1.1);
    expect(accepted).toBeGreaterThanOrEqual(400 * seconds * 0.5);
  }, 30_000);

  test('SIGTERM stops every worker and then the primary, with exit code 0', async () => {
    const pid = sluice.process.pid!;
    const workers = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(workers).toHaveLength(2);
    expect(await sluice.stop('SIGTERM')).toBe(0);
    for (const worker of workers) expect(() => process.kill(worker, 0)).toThrow();
  }, 40_000);
});

describe('workers: auto', () => {
  test('runs one worker per CPU the process is given, and answers as one', async () => {
    const { cpuTotal } = await import('../../src/common/cgroup.ts');
    const [grpc, http, health, metrics] = await freePorts(4);
    const sluice = await startSluice(
      `
receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:${grpc} }, http: { endpoint: 127.0.0.1:${http} } } }
processors: { batch: {} }
exporters: { debug: { verbosity: basic } }
extensions: { health_check: { endpoint: 127.0.0.1:${health} } }
service:
  workers: auto
  extensions: [health_check]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: warn } }
  pipelines: { traces: { receivers: [otlp], processors: [batch], exporters: [debug] } }
`,
      { healthPort: health },
    );
    try {
      const cpus = cpuTotal().cpus;
      const page = await scrapeMetrics(metrics);
      // One CPU is one process, with no primary and no pool metrics.
      expect(metricValue(page, 'sluice_workers', { state: 'configured' })).toBe(cpus === 1 ? undefined : cpus);
      expect(await post(http, '/v1/traces', encodeTraces(halfOfTraces(0, 5, 0)))).toBe(200);
    } finally {
      expect(await sluice.stop('SIGTERM')).toBe(0);
    }
  }, 40_000);
});
