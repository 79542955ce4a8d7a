import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { spanMetricsConfigSchema, SpanMetricsConnector, type SpanMetricsConfig } from '../../src/connectors/spanmetrics/index.ts';
import { parseWithProblems } from '../../src/config/validate.ts';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import type { AnyValue, ExportMetricsServiceRequest, HistogramDataPoint, KeyValue, NumberDataPoint, Span } from '../../src/otlp/types.ts';
import { ManualClock, settle } from '../support/manual-clock.ts';

// The span metrics connector on hand-built requests: series by the Collector's dimensions, the
// histogram, temporality, the cardinality bound with its overflow series, resource keys,
// exemplars and the flush timer (on a manual clock). Each request goes through the codec's
// bytes, which is what the connector reads.

const logger = pino({ level: 'silent' });
const T0 = 1_700_000_000_000_000_000n;

function kv(key: string, value: string | number | boolean): KeyValue {
  const v: AnyValue = typeof value === 'string' ? { stringValue: value } : typeof value === 'boolean' ? { boolValue: value } : { intValue: BigInt(value) };
  return { key, value: v };
}

let seq = 0;
function span(name: string, opts: { kind?: number; status?: number; ms?: number; attributes?: KeyValue[] } = {}): Span {
  seq++;
  const id = new Uint8Array(8);
  new DataView(id.buffer).setUint32(0, seq);
  const traceId = new Uint8Array(16);
  new DataView(traceId.buffer).setUint32(12, seq);
  return {
    traceId,
    spanId: id,
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name,
    kind: opts.kind ?? 2,
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + BigInt(Math.round((opts.ms ?? 1) * 1e6)),
    attributes: opts.attributes ?? [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: opts.status === undefined ? undefined : { code: opts.status, message: '' },
  };
}

function batchOf(resources: Array<{ attributes: KeyValue[]; spans: Span[] }>): Batch {
  const request = {
    resourceSpans: resources.map((r) => ({
      resource: { attributes: r.attributes, droppedAttributesCount: 0, entityRefs: [] },
      scopeSpans: [{ scope: undefined, spans: r.spans, schemaUrl: '' }],
      schemaUrl: '',
    })),
  };
  // Through bytes, as a receiver hands it on.
  const encoded = Batch.fromRequest('traces', request as never, internalMetadata()).bytes();
  return Batch.fromBytes('traces', encoded, resources.reduce((n, r) => n + r.spans.length, 0), internalMetadata());
}

function connector(overrides: Record<string, unknown> = {}, clock = new ManualClock()) {
  const config: SpanMetricsConfig = spanMetricsConfigSchema.parse(overrides);
  const out: ExportMetricsServiceRequest[] = [];
  const next: Consumer = { consume: async (batch) => void out.push(batch.request as ExportMetricsServiceRequest) };
  return { c: new SpanMetricsConnector(config, next, { logger, clock }), out, clock };
}

const attrs = (list: KeyValue[]) => Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue]));

function points(request: ExportMetricsServiceRequest, name: string) {
  return request.resourceMetrics.flatMap((rm) =>
    rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.name === name).flatMap((m) => (m.sum?.dataPoints ?? m.histogram?.dataPoints ?? []) as Array<NumberDataPoint | HistogramDataPoint>)),
  );
}

const SHOP = [kv('service.name', 'shop'), kv('deployment.environment', 'prod')];

describe('spanmetrics', () => {
  test('calls and a duration histogram by service.name, span.name, span.kind, status.code and configured dimensions', async () => {
    const { c, out } = connector({ dimensions: [{ name: 'http.method' }, { name: 'deployment.environment' }, { name: 'region', default: 'none' }] });
    await c.consume(
      batchOf([
        {
          attributes: SHOP,
          spans: [
            span('GET /a', { ms: 3, attributes: [kv('http.method', 'GET'), kv('other', 'x')] }),
            span('GET /a', { ms: 30, attributes: [kv('http.method', 'GET')] }),
            span('GET /a', { ms: 3000, status: 2, attributes: [kv('http.method', 'GET')] }),
            span('call', { kind: 3, ms: 0.5 }),
          ],
        },
      ]),
    );
    await c.flush();
    const [request] = out;
    expect(request.resourceMetrics[0].resource!.attributes).toEqual(SHOP);
    const calls = points(request, 'traces.span.metrics.calls') as NumberDataPoint[];
    expect(calls.map((p) => [attrs(p.attributes), p.asInt])).toEqual([
      [{ 'service.name': 'shop', 'span.name': 'GET /a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET', 'http.method': 'GET', 'deployment.environment': 'prod', region: 'none' }, 2n],
      [{ 'service.name': 'shop', 'span.name': 'GET /a', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_ERROR', 'http.method': 'GET', 'deployment.environment': 'prod', region: 'none' }, 1n],
      [{ 'service.name': 'shop', 'span.name': 'call', 'span.kind': 'SPAN_KIND_CLIENT', 'status.code': 'STATUS_CODE_UNSET', 'deployment.environment': 'prod', region: 'none' }, 1n],
    ]);
    const durations = points(request, 'traces.span.metrics.duration') as HistogramDataPoint[];
    const unset = durations[0];
    expect(unset.count).toBe(2n);
    expect(unset.sum).toBeCloseTo(33, 6);
    expect(unset.explicitBounds).toEqual([2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000]);
    // 3 ms in (2, 4], 30 ms in (10, 50].
    expect(unset.bucketCounts.map(Number)).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(durations[1].bucketCounts[13]).toBe(1n); // 3 s in (2 s, 5 s]
    expect(durations[2].bucketCounts[0]).toBe(1n);
    expect(request.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name.endsWith('duration'))!.unit).toBe('ms');
  });

  test('cumulative (the default) keeps totals and start times across flushes; delta starts each window afresh', async () => {
    const cumulative = connector();
    const delta = connector({ aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA' });
    for (const { c, clock } of [cumulative, delta]) {
      await c.consume(batchOf([{ attributes: SHOP, spans: [span('a'), span('a')] }]));
      await c.flush();
      await clock.advance(1000);
      await c.consume(batchOf([{ attributes: SHOP, spans: [span('a')] }]));
      await c.flush();
    }
    const cum = cumulative.out.map((r) => points(r, 'traces.span.metrics.calls')[0] as NumberDataPoint);
    expect(cum.map((p) => p.asInt)).toEqual([2n, 3n]);
    expect(cum[1].startTimeUnixNano).toBe(cum[0].startTimeUnixNano);
    expect(cumulative.out[0].resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.aggregationTemporality).toBe(2);
    const del = delta.out.map((r) => points(r, 'traces.span.metrics.calls')[0] as NumberDataPoint);
    expect(del.map((p) => p.asInt)).toEqual([2n, 1n]);
    expect(del[1].startTimeUnixNano).toBe(del[0].timeUnixNano);
    expect(delta.out[0].resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.aggregationTemporality).toBe(1);
  });

  test('beyond aggregation_cardinality_limit spans fold into one otel.metric.overflow=true series per resource, and totals still add up', async () => {
    const { c, out } = connector({ aggregation_cardinality_limit: 2 });
    const spans = Array.from({ length: 10 }, (_, i) => span(`op${i % 5}`, { ms: 5 }));
    await c.consume(batchOf([{ attributes: SHOP, spans }]));
    await c.flush();
    const calls = points(out[0], 'traces.span.metrics.calls') as NumberDataPoint[];
    expect(calls).toHaveLength(3);
    expect(calls.map((p) => attrs(p.attributes)['span.name'] ?? 'overflow')).toEqual(['op0', 'op1', 'overflow']);
    expect(calls[2].attributes).toEqual([{ key: 'otel.metric.overflow', value: { boolValue: true } }]);
    expect(calls.map((p) => p.asInt)).toEqual([2n, 2n, 6n]);
    const durations = points(out[0], 'traces.span.metrics.duration') as HistogramDataPoint[];
    expect(durations.reduce((n, p) => n + p.count, 0n)).toBe(10n);
    expect(c.seriesCount).toBe(2);
  });

  test('resource_metrics_key_attributes: resources that differ elsewhere share one set of series', async () => {
    const keyed = connector({ resource_metrics_key_attributes: ['service.name'] });
    const all = connector();
    for (const { c } of [keyed, all]) {
      await c.consume(batchOf([
        { attributes: [kv('service.name', 'shop'), kv('host.name', 'a')], spans: [span('x')] },
        { attributes: [kv('service.name', 'shop'), kv('host.name', 'b')], spans: [span('x')] },
      ]));
      await c.flush();
    }
    expect(keyed.out[0].resourceMetrics).toHaveLength(1);
    expect((points(keyed.out[0], 'traces.span.metrics.calls')[0] as NumberDataPoint).asInt).toBe(2n);
    expect(all.out[0].resourceMetrics).toHaveLength(2);
  });

  test('exemplars carry the latest spans’ trace and span ids, up to max_per_data_point, once', async () => {
    const { c, out } = connector({ exemplars: { enabled: true, max_per_data_point: 2 } });
    const spans = [span('x', { ms: 1 }), span('x', { ms: 2 }), span('x', { ms: 3 })];
    await c.consume(batchOf([{ attributes: SHOP, spans }]));
    await c.flush();
    await c.flush();
    const [first] = points(out[0], 'traces.span.metrics.duration') as HistogramDataPoint[];
    expect(first.exemplars.map((e) => [e.asDouble, e.spanId, e.traceId])).toEqual(spans.slice(1).map((s, i) => [i + 2, s.spanId, s.traceId]));
    expect((points(out[1], 'traces.span.metrics.duration')[0] as HistogramDataPoint).exemplars).toEqual([]);
  });

  test('the flush timer emits every metrics_flush_interval, and shutdown flushes what is left', async () => {
    const clock = new ManualClock();
    const { c, out } = connector({ metrics_flush_interval: '15s', namespace: '' }, clock);
    c.start();
    await c.consume(batchOf([{ attributes: SHOP, spans: [span('x')] }]));
    await clock.advance(14_999);
    expect(out).toHaveLength(0);
    await clock.advance(1);
    await settle();
    expect(out).toHaveLength(1);
    expect(out[0].resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toEqual(['calls', 'duration']);
    await c.consume(batchOf([{ attributes: SHOP, spans: [span('x')] }]));
    await c.shutdown();
    expect(out).toHaveLength(2);
    expect((points(out[1], 'calls')[0] as NumberDataPoint).asInt).toBe(2n);
  });

  test('exponential buckets: the scale drops until max_size buckets hold every value, each value in its (base^i, base^(i+1)] bucket', async () => {
    const small = connector({ histogram: { exponential: { max_size: 4 } } });
    await small.c.consume(batchOf([{ attributes: SHOP, spans: [1, 2, 4, 8].map((ms) => span('x', { ms })) }]));
    await small.c.flush();
    const metric = small.out[0].resourceMetrics[0].scopeMetrics[0].metrics[1];
    expect(metric.histogram).toBeUndefined();
    const [point] = metric.exponentialHistogram!.dataPoints;
    // At scale 0 the buckets are (2^i, 2^(i+1)]: 1 ms in i = -1, 2 in 0, 4 in 1, 8 in 2; scale 1 would need 7.
    expect([point.scale, point.positive!.offset, point.positive!.bucketCounts]).toEqual([0, -1, [1n, 1n, 1n, 1n]]);
    expect([point.count, point.sum, point.min, point.max, point.zeroCount]).toEqual([4n, 15, 1, 8, 0n]);

    const wide = connector({ histogram: { exponential: {} } });
    const values = Array.from({ length: 300 }, (_, i) => 0.05 * 1.07 ** i); // 0.05 ms … ~30 s
    await wide.c.consume(batchOf([{ attributes: SHOP, spans: values.map((ms) => span('y', { ms })) }]));
    await wide.c.flush();
    const [p] = wide.out[0].resourceMetrics[0].scopeMetrics[0].metrics[1].exponentialHistogram!.dataPoints;
    const counts = p.positive!.bucketCounts;
    expect(counts.length).toBeLessThanOrEqual(160);
    expect(counts.reduce((a, b) => a + b, 0n)).toBe(300n);
    const base = 2 ** (2 ** -p.scale);
    // The spans carry whole nanoseconds: compare with the duration the connector saw.
    const expected = counts.map(() => 0n);
    for (const ms of values.map((v) => Math.round(v * 1e6) / 1e6)) expected[Math.ceil(Math.log(ms) / Math.log(base)) - 1 - p.positive!.offset]++;
    expect(counts).toEqual(expected);
  });

  test('unimplemented and mistaken settings are refused with their paths', () => {
    const problems = (value: unknown) => parseWithProblems(spanMetricsConfigSchema, value, 'connectors.spanmetrics').problems.map((p) => `${p.path}: ${p.message}`).sort();
    expect(problems({ histogram: { exponential: { max_size: 10 }, explicit: { buckets: ['10ms', '5ms'] } }, aggregation_temporality: 'DELTA', calls_dimensions: [] })).toEqual([
      'connectors.spanmetrics.aggregation_temporality: must be one of "AGGREGATION_TEMPORALITY_CUMULATIVE", "AGGREGATION_TEMPORALITY_DELTA"; got "DELTA"',
      'connectors.spanmetrics.calls_dimensions: unknown key "calls_dimensions"',
      'connectors.spanmetrics.histogram.explicit.buckets[1]: buckets must be strictly increasing',
      'connectors.spanmetrics.histogram.exponential: choose explicit or exponential, not both',
    ]);
    expect(problems({ dimensions: [{ name: 'span.name' }] })).toEqual(['connectors.spanmetrics.dimensions[0].name: dimension "span.name" is already there']);
  });
});
