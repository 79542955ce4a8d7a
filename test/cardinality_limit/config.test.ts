import { describe, expect, test } from 'vitest';
import { cardinalityLimitConfigSchema } from '../../src/processors/cardinality_limit/index.ts';

describe('config', () => {
  test('defaults are valid and complete', () => {
    const parsed = cardinalityLimitConfigSchema.parse({});
    expect(parsed).toEqual({
      mode: 'enforce',
      max_series_per_metric: 2000,
      metric_overrides: {},
      global_max_series: 0,
      max_tracked_series: 1_000_000,
      inactivity_timeout: 600_000,
      tenant_attribute: 'tenant.id',
      tenant_budgets: { default: 0, tenants: {} },
      label_value_limits: { default: {}, metrics: {}, action: 'fold_value' },
      stats_max_metrics: 100,
    });
  });

  test('unknown keys are rejected with their path, all at once', () => {
    const result = cardinalityLimitConfigSchema.safeParse({
      max_series_per_metirc: 10,
      label_value_limits: { defualt: { 'user.id': 5 } },
      inactivity_timeout: 'soon',
    });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
    expect(issues).toContain(': unrecognized_keys');
    expect(issues).toContain('label_value_limits: unrecognized_keys');
    expect(issues).toContain('inactivity_timeout: custom');
    const top = result.error!.issues.find((i) => i.path.length === 0)!;
    expect(top.message).toContain('max_series_per_metirc');
  });

  test('durations, modes and limits are checked', () => {
    expect(cardinalityLimitConfigSchema.parse({ inactivity_timeout: '90s' }).inactivity_timeout).toBe(90_000);
    expect(cardinalityLimitConfigSchema.safeParse({ mode: 'enforced' }).success).toBe(false);
    expect(cardinalityLimitConfigSchema.safeParse({ max_series_per_metric: 0 }).success).toBe(false);
    expect(cardinalityLimitConfigSchema.safeParse({ label_value_limits: { action: 'drop_event' } }).success).toBe(false);
  });
});
