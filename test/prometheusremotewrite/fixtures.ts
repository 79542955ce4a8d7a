// Hand-built OTLP metric batches for the prometheusremotewrite tests.
import protobuf from 'protobufjs';
import type {
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  ScopeMetrics,
  SummaryDataPoint,
} from '../../src/otlp/types.ts';
import { AggregationTemporality } from '../../src/otlp/types.ts';
import { prometheusRemoteWriteConfigSchema } from '../../src/exporters/prometheusremotewrite/config.ts';
import type {
  PrometheusRemoteWriteConfig,
  PrometheusRemoteWriteConfigInput,
} from '../../src/exporters/prometheusremotewrite/config.ts';
import type { Label, TimeSeries } from '../../src/exporters/prometheusremotewrite/series.ts';
import { attrs, metric as sharedMetric, metricsRequest, scopeMetrics, type Scalar } from '../support/otlp.ts';

export { attrs };

export const T_NS = 1_700_000_000_123_456_789n;
export const T_MS = 1_700_000_000_123;

export function config(overrides: Partial<PrometheusRemoteWriteConfigInput> = {}): PrometheusRemoteWriteConfig {
  return prometheusRemoteWriteConfigSchema.parse({ endpoint: 'http://127.0.0.1:19091/api/v1/write', ...overrides });
}

export function numberPoint(value: number | bigint, attributes: KeyValue[] = [], flags = 0, time = T_NS): NumberDataPoint {
  return {
    attributes,
    startTimeUnixNano: time - 60_000_000_000n,
    timeUnixNano: time,
    asDouble: typeof value === 'number' ? value : undefined,
    asInt: typeof value === 'bigint' ? value : undefined,
    exemplars: [],
    flags,
  };
}

export function histogramPoint(
  bounds: number[],
  counts: number[],
  sum: number | undefined,
  attributes: KeyValue[] = [],
  time = T_NS,
): HistogramDataPoint {
  return {
    attributes,
    startTimeUnixNano: time - 60_000_000_000n,
    timeUnixNano: time,
    count: BigInt(counts.reduce((a, b) => a + b, 0)),
    sum,
    bucketCounts: counts.map(BigInt),
    explicitBounds: bounds,
    exemplars: [],
    flags: 0,
    min: undefined,
    max: undefined,
  };
}

export function summaryPoint(quantiles: [number, number][], sum: number, count: number, attributes: KeyValue[] = []): SummaryDataPoint {
  return {
    attributes,
    startTimeUnixNano: T_NS - 60_000_000_000n,
    timeUnixNano: T_NS,
    count: BigInt(count),
    sum,
    quantileValues: quantiles.map(([quantile, value]) => ({ quantile, value })),
    flags: 0,
  };
}

function metric(name: string, unit: string, data: Partial<Metric>): Metric {
  return sharedMetric(name, data, unit, `${name} help`);
}

export function gauge(name: string, unit: string, points: NumberDataPoint[]): Metric {
  return metric(name, unit, { gauge: { dataPoints: points } });
}

export function sum(
  name: string,
  unit: string,
  points: NumberDataPoint[],
  isMonotonic = true,
  temporality: number = AggregationTemporality.CUMULATIVE,
): Metric {
  return metric(name, unit, { sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic } });
}

export function histogram(
  name: string,
  unit: string,
  points: HistogramDataPoint[],
  temporality: number = AggregationTemporality.CUMULATIVE,
): Metric {
  return metric(name, unit, { histogram: { dataPoints: points, aggregationTemporality: temporality } });
}

export function summary(name: string, unit: string, points: SummaryDataPoint[]): Metric {
  return metric(name, unit, { summary: { dataPoints: points } });
}

export function scope(metrics: Metric[], name = 'checkout-lib', version = '1.2.3'): ScopeMetrics {
  return scopeMetrics(metrics, name, version);
}

export function request(resource: Record<string, Scalar>, scopes: ScopeMetrics[]): ExportMetricsServiceRequest {
  return metricsRequest(attrs(resource), scopes);
}

export const CHECKOUT = { 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'pod-1', 'host.name': 'node-a' };

/** Labels as a plain object; also asserts the list is sorted by name with no duplicates. */
export function labelsOf(series: TimeSeries): Record<string, string> {
  const out: Record<string, string> = {};
  let previous = '';
  for (const label of series.labels) {
    if (label.name <= previous) throw new Error(`labels not sorted/unique at ${label.name} (after ${previous})`);
    previous = label.name;
    out[label.name] = label.value;
  }
  return out;
}

export function nameOf(series: TimeSeries): string {
  return series.labels.find((l: Label) => l.name === '__name__')?.value ?? '';
}

export function find(series: TimeSeries[], name: string, extra: Record<string, string> = {}): TimeSeries[] {
  return series.filter((s) => {
    if (nameOf(s) !== name) return false;
    const labels = labelsOf(s);
    return Object.entries(extra).every(([k, v]) => labels[k] === v);
  });
}

// An independent decoder (protobufjs from the proto text) to check the hand-written encoder.
const WRITE_REQUEST_PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
`;
const WriteRequestType = protobuf.parse(WRITE_REQUEST_PROTO).root.lookupType('prometheus.WriteRequest');

export interface DecodedWriteRequest {
  timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: string }[] }[];
  metadata: { type: number; metricFamilyName: string; help: string; unit: string }[];
}

export function decodeWriteRequest(body: Uint8Array): DecodedWriteRequest {
  const message = WriteRequestType.decode(body);
  return WriteRequestType.toObject(message, { longs: String, defaults: true, arrays: true }) as DecodedWriteRequest;
}
