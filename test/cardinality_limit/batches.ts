// Hand-built OTLP metric batches for the cardinality_limit tests.
import type {
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
} from '../../src/otlp/types.ts';
import { AggregationTemporality } from '../../src/otlp/types.ts';
import { cardinalityLimitConfigSchema } from '../../src/processors/cardinality_limit/index.ts';
import type { CardinalityLimitConfig, CardinalityLimitConfigInput } from '../../src/processors/cardinality_limit/index.ts';
import { attrs, metric, metricsRequest, scopeMetrics } from '../support/otlp.ts';

export { attrs };

export const DELTA = AggregationTemporality.DELTA;
export const CUMULATIVE = AggregationTemporality.CUMULATIVE;

export function config(input: CardinalityLimitConfigInput = {}): CardinalityLimitConfig {
  return cardinalityLimitConfigSchema.parse(input);
}


export function numberPoint(attributes: KeyValue[], value: number, time = 2000n, start = 1000n): NumberDataPoint {
  return { attributes, startTimeUnixNano: start, timeUnixNano: time, asInt: BigInt(value), exemplars: [], flags: 0 };
}

export function sumMetric(name: string, points: NumberDataPoint[], temporality: number = DELTA, isMonotonic = true): Metric {
  return metric(name, { sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic } });
}

export function gaugeMetric(name: string, points: NumberDataPoint[]): Metric {
  return metric(name, { gauge: { dataPoints: points } });
}

export const BOUNDS = [10, 100, 1000];

export function histogramPoint(attributes: KeyValue[], counts: number[], sum: number, time = 2000n): HistogramDataPoint {
  const count = counts.reduce((x, y) => x + y, 0);
  return {
    attributes,
    startTimeUnixNano: 1000n,
    timeUnixNano: time,
    count: BigInt(count),
    sum,
    bucketCounts: counts.map(BigInt),
    explicitBounds: BOUNDS,
    exemplars: [],
    flags: 0,
    min: 1,
    max: sum,
  };
}

export function histogramMetric(name: string, points: HistogramDataPoint[], temporality: number = DELTA): Metric {
  return metric(name, { histogram: { dataPoints: points, aggregationTemporality: temporality } });
}

export function request(metrics: Metric[], resourceAttributes: KeyValue[] = attrs({ 'service.name': 'svc' })): ExportMetricsServiceRequest {
  return metricsRequest(resourceAttributes, [scopeMetrics(metrics)]);
}

export function allMetrics(req: ExportMetricsServiceRequest): Metric[] {
  return req.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
}

export function numberPoints(req: ExportMetricsServiceRequest, name: string): NumberDataPoint[] {
  return allMetrics(req)
    .filter((m) => m.name === name)
    .flatMap((m) => m.sum?.dataPoints ?? m.gauge?.dataPoints ?? []);
}

export function isOverflow(point: { attributes: KeyValue[] }): boolean {
  return point.attributes.length === 1 && point.attributes[0].key === 'otel.metric.overflow' && point.attributes[0].value.boolValue === true;
}

export function valueOf(point: NumberDataPoint): number {
  return point.asInt !== undefined ? Number(point.asInt) : (point.asDouble ?? 0);
}

export function total(points: NumberDataPoint[]): number {
  return points.reduce((acc, p) => acc + valueOf(p), 0);
}

export function attr(point: { attributes: KeyValue[] }, key: string): string | undefined {
  return point.attributes.find((kv) => kv.key === key)?.value.stringValue;
}

/** A counter with `series` series of one attribute; series i carries value(i). */
export function counterBatch(name: string, series: number, value: (i: number) => number, temporality: number = DELTA, time = 2000n) {
  const points: NumberDataPoint[] = [];
  for (let i = 0; i < series; i++) points.push(numberPoint(attrs({ 'user.id': `u${i}`, route: '/a' }), value(i), time));
  return sumMetric(name, points, temporality);
}
