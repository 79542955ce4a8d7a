import { z } from 'zod';
import { duration } from '../../config/units.ts';

const seriesCount = z.number().int().min(0);
const positiveSeriesCount = z.number().int().min(1);

/** Per label key, how many distinct values are allowed before the action applies. */
const keyLimits = z.record(z.string().min(1), positiveSeriesCount);

const labelValueLimitsSchema = z
  .object({
    /** Applied to every metric, per (tenant, metric name, key). */
    default: keyLimits.default({}),
    /** Per metric name; a key listed here replaces the default limit for that key. */
    metrics: z.record(z.string().min(1), keyLimits).default({}),
    /** fold_value: the refused value becomes `__other__`; drop_label: the key is removed. */
    action: z.enum(['fold_value', 'drop_label']).default('fold_value'),
  })
  .strict();

const tenantBudgetsSchema = z
  .object({
    /** Max active series of a tenant without an entry in `tenants`, across all its metrics. 0 = unlimited. */
    default: seriesCount.default(0),
    /** Per tenant id. 0 = unlimited. */
    tenants: z.record(z.string(), seriesCount).default({}),
  })
  .strict();

export const cardinalityLimitConfigSchema = z
  .object({
    /** enforce folds refused points into the overflow series; observe only counts. */
    mode: z.enum(['enforce', 'observe']).default('enforce'),
    /** Distinct active series per stream (resource + scope + metric + tenant), the overflow series not counted. */
    max_series_per_metric: positiveSeriesCount.default(2000),
    /** Per metric name overrides of max_series_per_metric. */
    metric_overrides: z.record(z.string().min(1), positiveSeriesCount).default({}),
    /** Max active series across every stream and tenant. 0 = no global limit. */
    global_max_series: seriesCount.default(0),
    /** Memory bound: tracked series (active, folded and label-folded sources); the least recently seen is evicted beyond it. */
    max_tracked_series: positiveSeriesCount.default(1_000_000),
    /** A series with no point for this long stops counting toward any limit. */
    inactivity_timeout: duration('10m'),
    /** Resource attribute that names the tenant when the caller passes none. */
    tenant_attribute: z.string().min(1).default('tenant.id'),
    tenant_budgets: tenantBudgetsSchema.prefault({}),
    label_value_limits: labelValueLimitsSchema.prefault({}),
    /** stats() names at most this many metrics; the rest are summed under `__other__`. */
    stats_max_metrics: positiveSeriesCount.default(100),
  })
  .strict();

export type CardinalityLimitConfig = z.output<typeof cardinalityLimitConfigSchema>;
// Partial: zod types the prefaulted duration as a required key although it may be left out.
export type CardinalityLimitConfigInput = Partial<z.input<typeof cardinalityLimitConfigSchema>>;
