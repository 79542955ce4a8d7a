import { describe, expect, test } from 'vitest';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, SummaryDataPoint } from '../../src/otlp/types.ts';
import { CardinalityLimiter } from '../../src/processors/cardinality_limit/index.ts';
import {
  attrs,
  BOUNDS,
  config,
  counterBatch,
  CUMULATIVE,
  DELTA,
  gaugeMetric,
  histogramMetric,
  histogramPoint,
  isOverflow,
  numberPoint,
  numberPoints,
  request,
  total,
  valueOf,
} from './batches.ts';

describe('series limit with the overflow series', () => {
  test('delta: 10,000 series, limit 100 → 100 real + 1 overflow, totals kept', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 100 }));
    const req = request([counterBatch('requests', 10_000, (i) => i + 1)]);
    limiter.process(req);
    const points = numberPoints(req, 'requests');
    expect(points).toHaveLength(101);
    expect(points.filter(isOverflow)).toHaveLength(1);
    expect(points.filter((p) => !isOverflow(p)).map((p) => p.attributes[0].value.stringValue)).toEqual(
      Array.from({ length: 100 }, (_, i) => `u${i}`),
    );
    expect(total(points)).toBe((10_000 * 10_001) / 2);
    const overflow = points.find(isOverflow)!;
    expect(valueOf(overflow)).toBe((10_000 * 10_001) / 2 - (100 * 101) / 2);
    expect(overflow.asInt).toBeTypeOf('bigint');
  });

  test('delta: series admitted earlier keep flowing, new ones keep folding', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 2 }));
    limiter.process(request([counterBatch('c', 2, () => 1)]));
    const req = request([counterBatch('c', 5, () => 1)]);
    limiter.process(req);
    const points = numberPoints(req, 'c');
    expect(points.map((p) => (isOverflow(p) ? 'overflow' : p.attributes[0].value.stringValue))).toEqual(['u0', 'u1', 'overflow']);
    expect(valueOf(points[2])).toBe(3);
  });

  test('cumulative: overflow equals the sum of folded series latest values, each collection', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 100 }));
    for (let round = 1; round <= 4; round++) {
      // Series i's cumulative value grows by (i + 1) each collection.
      const req = request([counterBatch('requests', 10_000, (i) => (i + 1) * round, CUMULATIVE, BigInt(2000 + round))]);
      limiter.process(req);
      const points = numberPoints(req, 'requests');
      expect(points).toHaveLength(101);
      const overflow = points.find(isOverflow)!;
      const foldedLatest = ((10_000 * 10_001) / 2 - (100 * 101) / 2) * round;
      expect(valueOf(overflow)).toBe(foldedLatest);
      expect(total(points)).toBe(((10_000 * 10_001) / 2) * round);
      expect(overflow.startTimeUnixNano).toBe(1000n);
      expect(overflow.timeUnixNano).toBe(BigInt(2000 + round));
    }
  });

  test('cumulative: a folded series that resets contributes its new value as the increase', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 1 }));
    const batch = (a: number, b: number, c: number) =>
      request([
        counterBatch('c', 3, (i) => [a, b, c][i], CUMULATIVE),
      ]);
    const overflowOf = (req: ReturnType<typeof batch>) => valueOf(numberPoints(req, 'c').find(isOverflow)!);
    let req = batch(5, 10, 20);
    limiter.process(req);
    expect(overflowOf(req)).toBe(30);
    req = batch(6, 12, 25);
    limiter.process(req);
    expect(overflowOf(req)).toBe(37);
    req = batch(7, 3, 26); // u1 restarted: 12 → 3 means 3 new
    limiter.process(req);
    expect(overflowOf(req)).toBe(41);
    // Only u2 reports: the overflow still carries every folded series' contribution.
    req = request([{ ...counterBatch('c', 3, () => 30, CUMULATIVE), sum: { dataPoints: [numberPoint(attrs({ 'user.id': 'u2', route: '/a' }), 30)], aggregationTemporality: CUMULATIVE, isMonotonic: true } }]);
    limiter.process(req);
    expect(overflowOf(req)).toBe(45);
  });

  test('an overflow point from upstream merges into ours: one overflow series per metric', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 2 }));
    const metric = counterBatch('c', 4, () => 1);
    metric.sum!.dataPoints.push(numberPoint(attrs({ 'otel.metric.overflow': true }), 10));
    const req = request([metric]);
    limiter.process(req);
    const points = numberPoints(req, 'c');
    expect(points.filter(isOverflow)).toHaveLength(1);
    expect(valueOf(points.find(isOverflow)!)).toBe(12);
    expect(total(points)).toBe(14);
  });

  test('histograms: count, sum and bucket counts preserved (delta and cumulative)', () => {
    for (const temporality of [DELTA, CUMULATIVE]) {
      const limiter = new CardinalityLimiter(config({ max_series_per_metric: 10 }));
      for (let round = 1; round <= 3; round++) {
        const points: HistogramDataPoint[] = [];
        for (let i = 0; i < 500; i++) points.push(histogramPoint(attrs({ id: `s${i}` }), [1 * round, 2 * round, 0, i % 3 === 0 ? round : 0], 7 * round));
        const req = request([histogramMetric('latency', points, temporality)]);
        limiter.process(req);
        const out = req.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram!.dataPoints;
        expect(out).toHaveLength(11);
        const overflow = out.find(isOverflow)!;
        const sent = (field: (p: HistogramDataPoint) => number) => points.reduce((a, p) => a + field(p), 0);
        const got = (field: (p: HistogramDataPoint) => number) => out.reduce((a, p) => a + field(p), 0);
        expect(got((p) => Number(p.count))).toBe(sent((p) => Number(p.count)));
        expect(got((p) => p.sum!)).toBe(sent((p) => p.sum!));
        for (let b = 0; b <= BOUNDS.length; b++) expect(got((p) => Number(p.bucketCounts[b]))).toBe(sent((p) => Number(p.bucketCounts[b])));
        expect(overflow.explicitBounds).toEqual(BOUNDS);
        expect(overflow.min).toBe(1);
        expect(overflow.max).toBe(7 * round);
      }
    }
  });

  test('gauges: the overflow point keeps the latest value', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 1 }));
    const req = request([
      gaugeMetric('temp', [
        numberPoint(attrs({ id: 'a' }), 1, 10n),
        numberPoint(attrs({ id: 'b' }), 7, 30n),
        numberPoint(attrs({ id: 'c' }), 3, 20n),
      ]),
    ]);
    limiter.process(req);
    const overflow = numberPoints(req, 'temp').find(isOverflow)!;
    expect(valueOf(overflow)).toBe(7);
    expect(overflow.timeUnixNano).toBe(30n);
  });

  test('summaries: count and sum add as cumulatives, quantiles are dropped', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 1 }));
    const summary = (id: string, count: number, sum: number): SummaryDataPoint => ({
      attributes: attrs({ id }),
      startTimeUnixNano: 1n,
      timeUnixNano: 2n,
      count: BigInt(count),
      sum,
      quantileValues: [{ quantile: 0.5, value: 1 }],
      flags: 0,
    });
    const batch = (k: number) =>
      request([{ name: 's', description: '', unit: '', summary: { dataPoints: [summary('a', k, k), summary('b', 2 * k, 4 * k), summary('c', 3 * k, 9 * k)] }, metadata: [] }]);
    for (const k of [1, 2]) {
      const req = batch(k);
      limiter.process(req);
      const overflow = req.resourceMetrics[0].scopeMetrics[0].metrics[0].summary!.dataPoints.find(isOverflow)!;
      expect(overflow.count).toBe(BigInt(5 * k));
      expect(overflow.sum).toBe(13 * k);
      expect(overflow.quantileValues).toEqual([]);
    }
  });

  test('exponential histograms of different scales merge at the lower scale', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 1 }));
    const point = (id: string, scale: number, offset: number, counts: number[]): ExponentialHistogramDataPoint => ({
      attributes: attrs({ id }),
      startTimeUnixNano: 1n,
      timeUnixNano: 2n,
      count: BigInt(counts.reduce((a, b) => a + b, 0) + 1),
      sum: 10,
      scale,
      zeroCount: 1n,
      positive: { offset, bucketCounts: counts.map(BigInt) },
      negative: undefined,
      flags: 0,
      exemplars: [],
      min: 0,
      max: 9,
      zeroThreshold: 0,
    });
    const req = request([
      {
        name: 'e',
        description: '',
        unit: '',
        exponentialHistogram: {
          dataPoints: [point('keep', 3, 0, [1]), point('a', 2, 4, [1, 2, 3]), point('b', 1, 1, [5, 5])],
          aggregationTemporality: DELTA,
        },
        metadata: [],
      },
    ]);
    limiter.process(req);
    const overflow = req.resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram!.dataPoints.find(isOverflow)!;
    expect(overflow.scale).toBe(1);
    expect(overflow.count).toBe(18n);
    expect(overflow.zeroCount).toBe(2n);
    // scale 2 buckets 4,5,6 → scale 1 buckets 2,2,3; scale 1 buckets 1,2.
    expect(overflow.positive!.offset).toBe(1);
    expect(overflow.positive!.bucketCounts).toEqual([5n, 8n, 3n]);
    expect(overflow.sum).toBe(20);
  });
});
