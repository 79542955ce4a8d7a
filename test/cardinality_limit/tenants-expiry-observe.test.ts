import { describe, expect, test } from 'vitest';
import { CardinalityLimiter } from '../../src/processors/cardinality_limit/index.ts';
import { attrs, config, counterBatch, isOverflow, numberPoints, request, sumMetric, total } from './batches.ts';

describe('tenant budgets', () => {
  test("one tenant's explosion cannot take the quiet tenant's series", () => {
    const limiter = new CardinalityLimiter(
      config({ max_series_per_metric: 100_000, global_max_series: 1000, tenant_budgets: { default: 500 } }),
    );
    const loud = request(
      Array.from({ length: 10 }, (_, m) => counterBatch(`loud.m${m}`, 1000, () => 1)),
      attrs({ 'service.name': 'a', 'tenant.id': 'loud' }),
    );
    limiter.process(loud);
    const quiet = request([counterBatch('quiet.m', 300, () => 1)], attrs({ 'service.name': 'b', 'tenant.id': 'quiet' }));
    limiter.process(quiet);
    const quietPoints = numberPoints(quiet, 'quiet.m');
    expect(quietPoints).toHaveLength(300);
    expect(quietPoints.some(isOverflow)).toBe(false);
    const loudPoints = loud.resourceMetrics[0].scopeMetrics[0].metrics.flatMap((m) => m.sum!.dataPoints);
    expect(loudPoints.filter((p) => !isOverflow(p))).toHaveLength(500);
    expect(total(loudPoints)).toBe(10_000);
    const stats = limiter.stats();
    expect(stats.tenants.find((t) => t.tenant === 'loud')!.activeSeries).toBe(500);
    expect(stats.tenants.find((t) => t.tenant === 'quiet')!.activeSeries).toBe(300);
    expect(stats.activeSeries).toBe(800);
  });

  test('a tenant passed by the caller overrides the resource attribute; per-tenant budget wins over default', () => {
    const limiter = new CardinalityLimiter(config({ tenant_budgets: { default: 1, tenants: { big: 5 } } }));
    const req = request([counterBatch('m', 10, () => 1)]);
    limiter.process(req, 'big');
    expect(numberPoints(req, 'm').filter((p) => !isOverflow(p))).toHaveLength(5);
    const other = request([counterBatch('m', 10, () => 1)]);
    limiter.process(other, 'small');
    expect(numberPoints(other, 'm').filter((p) => !isOverflow(p))).toHaveLength(1);
  });
});

describe('expiry', () => {
  test('after the inactivity window, new series are admitted again', () => {
    let now = 1_000_000;
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 2, inactivity_timeout: '5m' }), () => now);
    limiter.process(request([counterBatch('m', 2, () => 1)]));
    const fresh = () => request([sumMetric('m', [counterBatch('m', 3, () => 1).sum!.dataPoints[2]])]);
    let req = fresh();
    limiter.process(req);
    expect(numberPoints(req, 'm').every(isOverflow)).toBe(true);
    now += 4 * 60_000; // within the window: u2 was refused and stays refused
    req = fresh();
    limiter.process(req);
    expect(numberPoints(req, 'm').every(isOverflow)).toBe(true);
    now += 5 * 60_000 + 1; // u0 and u1 silent for 9 minutes: expired; u2 seen 5m ago: expired too
    req = fresh();
    limiter.process(req);
    expect(numberPoints(req, 'm').some(isOverflow)).toBe(false);
    expect(limiter.stats().expiredSeries).toBe(3);
  });

  test('max_tracked_series evicts the least recently seen series', () => {
    const limiter = new CardinalityLimiter(config({ max_tracked_series: 50 }));
    limiter.process(request([counterBatch('m', 200, () => 1)]));
    const stats = limiter.stats();
    expect(stats.trackedSeries).toBe(50);
    expect(stats.evictedSeries).toBe(150);
    expect(stats.activeSeries).toBe(50);
  });
});

describe('observe mode', () => {
  test('changes no data point and counts what would fold', () => {
    const limiter = new CardinalityLimiter(
      config({ mode: 'observe', max_series_per_metric: 10, label_value_limits: { default: { route: 1 } } }),
    );
    const req = request([counterBatch('m', 100, () => 1)]);
    const before = structuredClone(req);
    limiter.process(req);
    expect(req).toEqual(before);
    const metric = limiter.stats().metrics[0];
    expect(metric.refusedPoints).toBe(90);
    expect(metric.activeSeries).toBe(10);
    expect(metric.overflowPoints).toBe(0);
    const offenders = limiter.topOffenders(5);
    expect(offenders[0].metric).toBe('m');
    expect(offenders[0].keys[0].key).toBe('user.id');
    expect(offenders[0].keys[0].distinctValues).toBeGreaterThan(60);
    expect(offenders[0].keys[0].distinctValues).toBeLessThan(120);
  });
});

describe('detection', () => {
  test('stats caps metric names and sums the rest under __other__', () => {
    const limiter = new CardinalityLimiter(config({ stats_max_metrics: 2, max_series_per_metric: 3 }));
    limiter.process(request([counterBatch('a', 10, () => 1), counterBatch('b', 2, () => 1), counterBatch('c', 1, () => 1)]));
    const { metrics } = limiter.stats();
    expect(metrics.map((m) => m.metric)).toEqual(['a', 'b', '__other__']);
    expect(metrics[0]).toMatchObject({ activeSeries: 3, foldedSeries: 7, refusedPoints: 7, overflowPoints: 1 });
    expect(metrics[2].activeSeries).toBe(1);
  });
});
