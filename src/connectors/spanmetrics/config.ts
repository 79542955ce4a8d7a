import { z } from 'zod';
import { duration } from '../../config/units.ts';

// The Collector's spanmetrics connector settings, by their names. Options Sluice does not
// implement are refused by name (see `notYet`), never accepted and ignored.

const dimensionSchema = z
  .object({
    /** A span attribute, else a resource attribute, of this name becomes a metric attribute. */
    name: z.string().min(1),
    /** Used when neither has it; without a default the attribute is left out. */
    default: z.string().optional(),
  })
  .strict();

/** The Collector's default explicit buckets, in ms: 2ms … 15s. */
const DEFAULT_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];

const histogramSchema = z
  .object({
    /** Turns the duration histogram off; only calls is emitted. */
    disable: z.boolean().default(false),
    /** The duration unit: `ms` (the Collector's default) or `s`. */
    unit: z.enum(['ms', 's']).default('ms'),
    explicit: z
      .object({
        /** Bucket upper bounds, as durations (`2ms`, `1s`), strictly increasing. */
        buckets: z.array(duration()).min(1).optional(),
      })
      .strict()
      .optional(),
    /** Base-2 exponential buckets instead of explicit ones: at most max_size buckets, the scale chosen by the data. */
    exponential: z.object({ max_size: z.number().int().min(2).default(160) }).strict().optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.exponential !== undefined && h.explicit !== undefined) ctx.addIssue({ code: 'custom', path: ['exponential'], message: 'choose explicit or exponential, not both' });
    const buckets = h.explicit?.buckets ?? [];
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i] <= buckets[i - 1]) ctx.addIssue({ code: 'custom', path: ['explicit', 'buckets', i], message: 'buckets must be strictly increasing' });
    }
  });

export const spanMetricsConfigSchema = z
  .object({
    /** Metric names are `<namespace>.calls` and `<namespace>.duration`. */
    namespace: z.string().default('traces.span.metrics'),
    /** Attributes added to service.name, span.name, span.kind and status.code. */
    dimensions: z.array(dimensionSchema).default([]),
    histogram: histogramSchema.default({ disable: false, unit: 'ms' }),
    exemplars: z
      .object({
        enabled: z.boolean().default(false),
        /** Kept per data point per flush: the most recent spans. */
        max_per_data_point: z.number().int().min(1).default(5),
      })
      .strict()
      .default({ enabled: false, max_per_data_point: 5 }),
    /** Resource attributes that tell resources apart; empty: all of them. */
    resource_metrics_key_attributes: z.array(z.string().min(1)).default([]),
    /** How often metrics are emitted. */
    metrics_flush_interval: duration('60s').refine((ms) => ms > 0, 'must be more than 0'),
    aggregation_temporality: z.enum(['AGGREGATION_TEMPORALITY_CUMULATIVE', 'AGGREGATION_TEMPORALITY_DELTA']).default('AGGREGATION_TEMPORALITY_CUMULATIVE'),
    /**
     * Series kept across all resources (the overflow series not counted); beyond it a span is
     * counted in its resource's `otel.metric.overflow=true` series. 0 = unlimited.
     */
    aggregation_cardinality_limit: z.number().int().min(0).default(100_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set(['service.name', 'span.name', 'span.kind', 'status.code']);
    for (const [i, d] of c.dimensions.entries()) {
      if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: ['dimensions', i, 'name'], message: `dimension "${d.name}" is already there` });
      seen.add(d.name);
    }
  });

export type SpanMetricsConfig = z.output<typeof spanMetricsConfigSchema>;

/** Bounds in the histogram's unit. */
export function bucketBounds(config: SpanMetricsConfig): number[] {
  const ms = config.histogram.explicit?.buckets ?? DEFAULT_BUCKETS_MS;
  return config.histogram.unit === 's' ? ms.map((b) => b / 1000) : [...ms];
}
