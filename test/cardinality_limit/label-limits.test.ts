import { describe, expect, test } from 'vitest';
import { CardinalityLimiter } from '../../src/processors/cardinality_limit/index.ts';
import { attr, attrs, config, CUMULATIVE, isOverflow, numberPoint, numberPoints, request, sumMetric, total, valueOf } from './batches.ts';

const point = (path: string, method: string, value: number) => numberPoint(attrs({ 'url.path': path, method }), value);

describe('label value limits', () => {
  test('fold_value: refused values become __other__ and merge with their twin, totals kept', () => {
    const limiter = new CardinalityLimiter(config({ label_value_limits: { metrics: { 'http.requests': { 'url.path': 2 } } } }));
    const req = request([
      sumMetric('http.requests', [
        point('/a', 'GET', 1),
        point('/b', 'GET', 2),
        point('/c', 'GET', 4),
        point('/d', 'GET', 8),
        point('/e', 'POST', 16),
        point('/a', 'POST', 32),
      ]),
      sumMetric('other', [point('/x', 'GET', 1), point('/y', 'GET', 1), point('/z', 'GET', 1)]),
    ]);
    limiter.process(req);
    const points = numberPoints(req, 'http.requests');
    expect(total(points)).toBe(63);
    const byKey = new Map(points.map((p) => [`${attr(p, 'url.path')} ${attr(p, 'method')}`, valueOf(p)]));
    expect(byKey).toEqual(
      new Map([
        ['/a GET', 1],
        ['/b GET', 2],
        ['/a POST', 32],
        ['__other__ GET', 12],
        ['__other__ POST', 16],
      ]),
    );
    expect(numberPoints(req, 'other')).toHaveLength(3); // no limit configured for it
    expect(limiter.stats().metrics.find((m) => m.metric === 'http.requests')!.labelValuesFolded).toBe(3);
  });

  test('default limits apply to every metric; cumulative __other__ is a correct running total', () => {
    const limiter = new CardinalityLimiter(config({ label_value_limits: { default: { 'url.path': 1 } } }));
    const batch = (k: number) => request([sumMetric('m', [point('/a', 'GET', k), point('/b', 'GET', 10 * k), point('/c', 'GET', 100 * k)], CUMULATIVE)]);
    for (const k of [1, 2, 3]) {
      const req = batch(k);
      limiter.process(req);
      const points = numberPoints(req, 'm');
      expect(points).toHaveLength(2);
      expect(valueOf(points.find((p) => attr(p, 'url.path') === '__other__')!)).toBe(110 * k);
      expect(total(points)).toBe(111 * k);
    }
  });

  test('drop_label removes the key; the point merges with the series that lacks it', () => {
    const limiter = new CardinalityLimiter(config({ label_value_limits: { default: { 'url.path': 1 }, action: 'drop_label' } }));
    const req = request([
      sumMetric('m', [point('/a', 'GET', 1), point('/b', 'GET', 2), numberPoint(attrs({ method: 'GET' }), 4), point('/c', 'GET', 8)]),
    ]);
    limiter.process(req);
    const points = numberPoints(req, 'm');
    expect(points).toHaveLength(2);
    expect(valueOf(points.find((p) => p.attributes.length === 1)!)).toBe(14);
    expect(total(points)).toBe(15);
  });

  test('folded label series still count toward the series limit', () => {
    const limiter = new CardinalityLimiter(config({ max_series_per_metric: 1, label_value_limits: { default: { 'url.path': 1 } } }));
    const req = request([sumMetric('m', [point('/a', 'GET', 1), point('/b', 'GET', 2), point('/c', 'GET', 4)])]);
    limiter.process(req);
    const points = numberPoints(req, 'm');
    expect(points).toHaveLength(2);
    expect(valueOf(points.find(isOverflow)!)).toBe(6);
  });
});
