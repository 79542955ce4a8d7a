import { describe, expect, test } from 'vitest';
import { mergeCollidingPoints } from '../../src/processors/redaction/merge-points.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint } from '../../src/otlp/types.ts';
import { kv } from './helpers.ts';

const masked = () => [kv('user', '****')];
const base = { name: 'm', description: '', unit: '', metadata: [] };

function number(value: { asInt?: bigint; asDouble?: number }, time = 2n): NumberDataPoint {
  return { attributes: masked(), startTimeUnixNano: 1n, timeUnixNano: time, ...value, exemplars: [], flags: 0 };
}

function histogram(bucketCounts: bigint[], extra: Partial<HistogramDataPoint> = {}): HistogramDataPoint {
  const count = bucketCounts.reduce((a, b) => a + b, 0n);
  return { attributes: masked(), startTimeUnixNano: 1n, timeUnixNano: 2n, count, sum: Number(count), bucketCounts, explicitBounds: [10, 100], exemplars: [], flags: 0, min: 1, max: 50, ...extra };
}

function exponential(scale: number, offset: number, bucketCounts: bigint[]): ExponentialHistogramDataPoint {
  const count = bucketCounts.reduce((a, b) => a + b, 0n);
  return { attributes: masked(), startTimeUnixNano: 1n, timeUnixNano: 2n, count, sum: 1, scale, zeroCount: 1n, positive: { offset, bucketCounts }, negative: undefined, flags: 0, exemplars: [], zeroThreshold: 0 };
}

describe('merging points that redaction made identical', () => {
  test('sums add; int with double becomes double; other series untouched', () => {
    const other = { ...number({ asInt: 100n }), attributes: [kv('user', 'x')] };
    const metric: Metric = { ...base, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [number({ asInt: 2n }), other, number({ asInt: 3n }), number({ asDouble: 0.5 })] } };
    expect(mergeCollidingPoints(metric)).toBe(2);
    expect(metric.sum!.dataPoints).toHaveLength(2);
    expect(metric.sum!.dataPoints[0].asDouble).toBe(5.5);
    expect(metric.sum!.dataPoints[0].asInt).toBeUndefined();
    expect(metric.sum!.dataPoints[1].asInt).toBe(100n);
  });

  test('attribute sets that differ only in order collide; sets that differ stay apart', () => {
    const point = (attributes: ReturnType<typeof kv>[], asInt: bigint): NumberDataPoint => ({ ...number({ asInt }), attributes });
    const nested = { kvlistValue: { values: [kv('a', '1'), kv('b', { intValue: 2n })] } };
    const metric: Metric = { ...base, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [
      point([kv('user', '****'), kv('route', '/a'), kv('n', nested)], 1n),
      point([kv('route', '/b'), kv('user', '****'), kv('n', nested)], 10n),
      point([kv('n', nested), kv('route', '/a'), kv('user', '****')], 2n),
      point([kv('route', '/a'), kv('user', '****')], 100n),
      point([kv('route', '/a'), kv('user', '****'), kv('n', { kvlistValue: { values: [kv('b', { intValue: 2n }), kv('a', '1')] } })], 4n),
    ] } };
    expect(mergeCollidingPoints(metric)).toBe(2);
    expect(metric.sum!.dataPoints.map((p) => p.asInt)).toEqual([7n, 10n, 100n]);
    // Many points, no two alike: nothing merges.
    const many: Metric = { ...base, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: Array.from({ length: 500 }, (_, i) => point([kv('user', '****'), kv('id', { intValue: BigInt(i) })], 1n)) } };
    expect(mergeCollidingPoints(many)).toBe(0);
    expect(many.sum!.dataPoints).toHaveLength(500);
  });

  test('points at different times are different samples and stay', () => {
    const metric: Metric = { ...base, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [number({ asInt: 2n }, 2n), number({ asInt: 3n }, 3n)] } };
    expect(mergeCollidingPoints(metric)).toBe(0);
  });

  test('gauges keep the later point', () => {
    const metric: Metric = { ...base, gauge: { dataPoints: [number({ asDouble: 1 }), number({ asDouble: 7 })] } };
    mergeCollidingPoints(metric);
    expect(metric.gauge!.dataPoints.map((p) => p.asDouble)).toEqual([7]);
  });

  test('histograms with the same bounds add bucket-wise; min/max combine', () => {
    const metric: Metric = { ...base, histogram: { aggregationTemporality: 1, dataPoints: [histogram([1n, 2n, 3n]), histogram([4n, 5n, 6n], { min: 0.5, max: 20 })] } };
    mergeCollidingPoints(metric);
    const [merged] = metric.histogram!.dataPoints;
    expect(metric.histogram!.dataPoints).toHaveLength(1);
    expect(merged.bucketCounts).toEqual([5n, 7n, 9n]);
    expect(merged.count).toBe(21n);
    expect(merged.sum).toBe(21);
    expect([merged.min, merged.max]).toEqual([0.5, 50]);
  });

  test('histograms with different bounds stay separate', () => {
    const metric: Metric = { ...base, histogram: { aggregationTemporality: 1, dataPoints: [histogram([1n, 2n, 3n]), histogram([1n, 1n, 1n], { explicitBounds: [5, 50] })] } };
    expect(mergeCollidingPoints(metric)).toBe(0);
  });

  test('exponential histograms: same scale at different offsets', () => {
    const metric: Metric = { ...base, exponentialHistogram: { aggregationTemporality: 1, dataPoints: [exponential(2, 3, [1n, 2n]), exponential(2, 1, [5n, 0n, 1n])] } };
    mergeCollidingPoints(metric);
    const [merged] = metric.exponentialHistogram!.dataPoints;
    expect(merged.positive).toEqual({ offset: 1, bucketCounts: [5n, 0n, 2n, 2n] });
    expect(merged.count).toBe(9n);
    expect(merged.zeroCount).toBe(2n);
  });

  test('exponential histograms: the finer scale is downscaled', () => {
    // scale 1 buckets 4,5 -> scale 0 bucket 2; scale 1 bucket 6 -> scale 0 bucket 3; -1 -> -1
    const metric: Metric = { ...base, exponentialHistogram: { aggregationTemporality: 1, dataPoints: [exponential(0, 2, [1n]), exponential(1, 4, [1n, 1n, 1n]), exponential(1, -1, [1n])] } };
    mergeCollidingPoints(metric);
    const [merged] = metric.exponentialHistogram!.dataPoints;
    expect(merged.scale).toBe(0);
    expect(merged.positive).toEqual({ offset: -1, bucketCounts: [1n, 0n, 0n, 3n, 1n] });
    expect(merged.count).toBe(5n);
  });

  test('summaries add count and sum and keep the quantiles of the larger point', () => {
    const a: SummaryDataPoint = { attributes: masked(), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 10n, sum: 5, quantileValues: [{ quantile: 0.5, value: 1 }], flags: 0 };
    const b: SummaryDataPoint = { ...a, attributes: masked(), count: 30n, sum: 7, quantileValues: [{ quantile: 0.5, value: 9 }] };
    const metric: Metric = { ...base, summary: { dataPoints: [a, b] } };
    mergeCollidingPoints(metric);
    expect(metric.summary!.dataPoints).toEqual([{ ...a, count: 40n, sum: 12, quantileValues: [{ quantile: 0.5, value: 9 }] }]);
  });
});
