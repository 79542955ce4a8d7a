import { z } from 'zod';
import { duration, size } from '../../config/units.ts';

// Every field has a default so `adaptive_sampling: {}` is a working sampler. Defaults follow
// Refinery's EMA samplers where they apply (ema_weight 0.5) and the Collector's tail_sampling
// processor where they overlap (decision_wait 5s), tightened where Sluice measures memory in bytes.

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * One attribute condition. The attribute is looked up on the span, then on its resource; the
 * pseudo-attributes `span.name` and `span.kind` (a number) read the span itself. All operators
 * given must hold.
 */
export const attributeRuleSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    attribute: z.string().min(1),
    equals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    exists: z.boolean().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
  })
  .refine(
    (r) =>
      r.equals !== undefined ||
      r.in !== undefined ||
      r.exists !== undefined ||
      r.gt !== undefined ||
      r.gte !== undefined ||
      r.lt !== undefined ||
      r.lte !== undefined,
    { message: 'a rule needs at least one of equals, in, exists, gt, gte, lt, lte' },
  );

export type AttributeRule = z.output<typeof attributeRuleSchema>;

export const adaptiveSamplingConfigSchema = z.strictObject({
  /** Wait after the root span arrives, so children still in flight join their trace. */
  decision_wait: duration('5s'),
  /** Decide a trace whose root never arrives this long after its first span. */
  trace_timeout: duration('30s'),
  /** Kept traces per second across all keys, errors included; errors are never dropped for it. */
  target_traces_per_second: z.number().positive().default(100),
  /** Fields of the root span making the dynamic-sampling key; see README for pseudo-fields. */
  key_fields: z.array(z.string().min(1)).min(1).default(['service.name', 'span.name', 'status']),
  /** How often per-key rates are recomputed from the EMA of per-key counts. */
  adjustment_interval: duration('5s'),
  /** Weight of the newest interval in the per-key EMA (Refinery's default). */
  ema_weight: z.number().gt(0).lte(1).default(0.5),
  /** Distinct sampling keys tracked; further keys share one overflow key. */
  max_keys: z.number().int().min(1).default(500),
  /** Bound on buffered span bytes, bookkeeping included; near it the oldest traces are decided early. */
  max_buffer_bytes: size('128MiB'),
  /** A trace reaching this many spans is decided at once; its later spans follow the decision. */
  max_spans_per_trace: z.number().int().min(1).default(2000),
  latency_threshold: z
    .strictObject({
      /** Keep every trace whose root lasts longer; 0 disables. */
      static: duration('2s'),
      /** Also keep roots slower than this learned per-key percentile; 0 disables. */
      learned_percentile: z.number().gte(0).lt(1).default(0.99),
      /** Root durations a key must have seen before its learned percentile applies. */
      min_samples: z.number().int().min(1).default(200),
    })
    // `static: undefined` only satisfies the input type duration() infers; it parses to 2s.
    .prefault({ static: undefined }),
  keep_http_5xx: z.boolean().default(true),
  keep_grpc_errors: z.boolean().default(true),
  always_keep: z.array(attributeRuleSchema).default([]),
  always_drop: z.array(attributeRuleSchema).default([]),
  /**
   * Deprecated and ignored (a warning is logged): decisions follow OpenTelemetry consistent
   * probability sampling, whose randomness is the trace id or `rv` and has no seed. Accepted so
   * that configs written for earlier versions still start.
   */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  /** Trace ids remembered per outcome (kept, dropped) so late spans follow their decision. */
  decision_cache_size: z.number().int().min(0).default(100_000),
  overload: z
    .strictObject({
      /** While overload relief is on, new traces are kept at this probability (errors always). */
      fallback_rate: z.number().gt(0).lte(1).default(0.01),
    })
    .prefault({}),
  /** Hex digits of the `ot=th:` threshold (the spec recommends 4); rates are rounded to it. */
  threshold_precision: z.number().int().min(1).max(12).default(4),
  /** Add the `sampling.reason` string attribute to kept spans. */
  add_reason_attribute: z.boolean().default(false),
  /**
   * A file_storage extension id: the buffer gets a write-ahead log there, and spans are
   * acknowledged only once logged. Unset: acknowledged when buffered in memory.
   */
  storage: z.string().min(1).optional(),
  /** Bound on the write-ahead log; when full, requests are refused with a retryable error. */
  storage_max_size: size('1GiB'),
});

export type AdaptiveSamplingConfig = z.output<typeof adaptiveSamplingConfigSchema>;
export type AdaptiveSamplingConfigInput = z.input<typeof adaptiveSamplingConfigSchema>;
