// Converts the OpenTelemetry JS SDK's collected ResourceMetrics into Sluice's decoded OTLP model.
// @opentelemetry/otlp-transformer only exposes byte serializers, so the integration test maps the
// SDK objects directly (the same field-for-field mapping the transformer applies).
import { ValueType } from '@opentelemetry/api';
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import { AggregationTemporality as SdkTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricData, ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality } from '../../src/otlp/types.ts';
import type { AnyValue, ExportMetricsServiceRequest, KeyValue, Metric, NumberDataPoint } from '../../src/otlp/types.ts';

function hrTimeToNanos([seconds, nanos]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

function toAnyValue(value: AttributeValue): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
  return { arrayValue: { values: (value as unknown[]).filter((v) => v !== null && v !== undefined).map((v) => toAnyValue(v as AttributeValue)) } };
}

function toKeyValues(attributes: Attributes): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out.push({ key, value: toAnyValue(value) });
  return out;
}

function temporality(value: SdkTemporality): number {
  return value === SdkTemporality.DELTA ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}

function toMetric(data: MetricData): Metric {
  const base = { name: data.descriptor.name, description: data.descriptor.description, unit: data.descriptor.unit, metadata: [] };
  const asInt = data.descriptor.valueType === ValueType.INT;
  const numberPoints = (points: { startTime: HrTime; endTime: HrTime; attributes: Attributes; value: number }[]): NumberDataPoint[] =>
    points.map((p) => ({
      attributes: toKeyValues(p.attributes),
      startTimeUnixNano: hrTimeToNanos(p.startTime),
      timeUnixNano: hrTimeToNanos(p.endTime),
      asDouble: asInt ? undefined : p.value,
      asInt: asInt ? BigInt(Math.trunc(p.value)) : undefined,
      exemplars: [],
      flags: 0,
    }));
  switch (data.dataPointType) {
    case DataPointType.GAUGE:
      return { ...base, gauge: { dataPoints: numberPoints(data.dataPoints) } };
    case DataPointType.SUM:
      return {
        ...base,
        sum: { dataPoints: numberPoints(data.dataPoints), aggregationTemporality: temporality(data.aggregationTemporality), isMonotonic: data.isMonotonic },
      };
    case DataPointType.HISTOGRAM:
      return {
        ...base,
        histogram: {
          aggregationTemporality: temporality(data.aggregationTemporality),
          dataPoints: data.dataPoints.map((p) => ({
            attributes: toKeyValues(p.attributes),
            startTimeUnixNano: hrTimeToNanos(p.startTime),
            timeUnixNano: hrTimeToNanos(p.endTime),
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
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      throw new Error('exponential histograms are not used by these tests');
  }
}

export function sdkToRequest(resourceMetrics: SdkResourceMetrics): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: toKeyValues(resourceMetrics.resource.attributes), droppedAttributesCount: 0, entityRefs: [] },
        schemaUrl: resourceMetrics.resource.schemaUrl ?? '',
        scopeMetrics: resourceMetrics.scopeMetrics.map((sm) => ({
          scope: { name: sm.scope.name, version: sm.scope.version ?? '', attributes: [], droppedAttributesCount: 0 },
          schemaUrl: sm.scope.schemaUrl ?? '',
          metrics: sm.metrics.map(toMetric),
        })),
      },
    ],
  };
}
