import { ManualReader } from '../support/sdk.ts';
import { describe, expect, test } from 'vitest';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider } from '@opentelemetry/sdk-metrics';
import { CardinalityLimiter } from '../../src/processors/cardinality_limit/index.ts';
import { config, isOverflow, total, valueOf } from './batches.ts';
import { sdkMetricsRequest as toExportRequest } from '../support/sdk.ts';


async function collectRequest(reader: ManualReader) {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return toExportRequest(resourceMetrics);
}

describe('with the real OpenTelemetry JS metrics SDK', () => {
  for (const sdkTemporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    const label = sdkTemporality === AggregationTemporality.CUMULATIVE ? 'cumulative' : 'delta';
    test(`${label} counter: 10,000 series, limit 100, totals kept over several collections`, async () => {
      const reader = new ManualReader({
        aggregationTemporalitySelector: () => sdkTemporality,
        cardinalitySelector: () => 20_000, // above the SDK's own default of 2000
      });
      const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'sdk-test' }), readers: [reader] });
      const counter = provider.getMeter('cardinality-test').createCounter('requests');
      const limiter = new CardinalityLimiter(config({ max_series_per_metric: 100 }));
      let sentSoFar = 0;
      for (let round = 1; round <= 3; round++) {
        let sentThisRound = 0;
        for (let i = 0; i < 10_000; i++) {
          counter.add(1 + (i % 7), { 'user.id': `u${i}` });
          sentThisRound += 1 + (i % 7);
        }
        sentSoFar += sentThisRound;
        const req = await collectRequest(reader);
        limiter.process(req);
        const points = req.resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints;
        expect(points.filter((p) => !isOverflow(p))).toHaveLength(100);
        expect(points.filter(isOverflow)).toHaveLength(1);
        expect(total(points)).toBe(label === 'cumulative' ? sentSoFar : sentThisRound);
        const real = points.filter((p) => !isOverflow(p));
        expect(valueOf(points.find(isOverflow)!)).toBe(total(points) - total(real));
      }
      await provider.shutdown();
    });
  }

  test('histogram from the SDK: counts and buckets preserved', async () => {
    const reader = new ManualReader({ cardinalitySelector: () => 20_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const histogram = provider.getMeter('h').createHistogram('latency', { advice: { explicitBucketBoundaries: [1, 10, 100] } });
    for (let i = 0; i < 1000; i++) histogram.record(i % 200, { id: `s${i}` });
    const req = await collectRequest(reader);
    new CardinalityLimiter(config({ max_series_per_metric: 10 })).process(req);
    const points = req.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram!.dataPoints;
    expect(points).toHaveLength(11);
    expect(points.reduce((a, p) => a + Number(p.count), 0)).toBe(1000);
    const buckets = [0, 1, 2, 3].map((b) => points.reduce((a, p) => a + Number(p.bucketCounts[b]), 0));
    expect(buckets).toEqual([10, 45, 450, 495]);
    await provider.shutdown();
  });
});
