// Converts the OpenTelemetry JS SDK's collected ResourceMetrics into Sluice's decoded OTLP model
// (src/otlp/types.ts). otlp-transformer does not export its in-memory request builder, so the
// tests map the few fields they need here.
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { DataPoint, Histogram, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality as SdkTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { AnyValue, ExportMetricsServiceRequest, KeyValue, Metric, NumberDataPoint } from '../../src/otlp/types.ts';
import { AggregationTemporality } from '../../src/otlp/types.ts';

function nanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function anyValue(value: unknown): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return {};
}

function keyValues(attributes: Attributes): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function temporality(sdk: SdkTemporality): number {
  return sdk === SdkTemporality.DELTA ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}

function numberPoint(point: DataPoint<number>, isInt: boolean): NumberDataPoint {
  const base = { attributes: keyValues(point.attributes), startTimeUnixNano: nanos(point.startTime), timeUnixNano: nanos(point.endTime) };
  return isInt
    ? { ...base, asInt: BigInt(point.value), exemplars: [], flags: 0 }
    : { ...base, asDouble: point.value, exemplars: [], flags: 0 };
}

function metricOf(data: MetricData): Metric {
  const base = { name: data.descriptor.name, description: data.descriptor.description, unit: data.descriptor.unit, metadata: [] };
  const isInt = data.descriptor.valueType === 1; // ValueType.INT
  switch (data.dataPointType) {
    case DataPointType.SUM:
      return {
        ...base,
        sum: {
          dataPoints: data.dataPoints.map((p) => numberPoint(p, isInt)),
          aggregationTemporality: temporality(data.aggregationTemporality),
          isMonotonic: data.isMonotonic,
        },
      };
    case DataPointType.GAUGE:
      return { ...base, gauge: { dataPoints: data.dataPoints.map((p) => numberPoint(p, isInt)) } };
    case DataPointType.HISTOGRAM:
      return {
        ...base,
        histogram: {
          aggregationTemporality: temporality(data.aggregationTemporality),
          dataPoints: data.dataPoints.map((p: DataPoint<Histogram>) => ({
            attributes: keyValues(p.attributes),
            startTimeUnixNano: nanos(p.startTime),
            timeUnixNano: nanos(p.endTime),
            count: BigInt(p.value.count),
            sum: p.value.sum,
            bucketCounts: p.value.buckets.counts.map(BigInt),
            explicitBounds: p.value.buckets.boundaries,
            exemplars: [],
            flags: 0,
            min: p.value.min,
            max: p.value.max,
          })),
        },
      };
    default:
      throw new Error('exponential histograms are not used by these tests');
  }
}

export function toExportRequest(resourceMetrics: ResourceMetrics): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: keyValues(resourceMetrics.resource.attributes), droppedAttributesCount: 0, entityRefs: [] },
        scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
          scope: { name: scope.scope.name, version: scope.scope.version ?? '', attributes: [], droppedAttributesCount: 0 },
          metrics: scope.metrics.map(metricOf),
          schemaUrl: scope.scope.schemaUrl ?? '',
        })),
        schemaUrl: '',
      },
    ],
  };
}
