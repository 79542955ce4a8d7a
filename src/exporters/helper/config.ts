import { z } from 'zod';
import { duration, section, size } from '../../config/units.ts';

// The settings every exporter shares, with the Collector's exporterhelper names and defaults, so
// a Collector user's `sending_queue` and `retry_on_failure` blocks carry over unchanged.

export const sendingQueueSchema = z
  .object({
    enabled: z.boolean().default(true),
    num_consumers: z.number().int().min(1).max(1000).default(10),
    /** Capacity in requests (batches) for the in-memory queue. */
    queue_size: z.number().int().min(1).default(1000),
    /** A file_storage extension id: the queue then lives on disk and survives a crash. */
    storage: z.string().optional(),
    /** Capacity in bytes of the persistent queue. */
    max_size: size('256MiB').pipe(z.number().int().min(1, 'max_size must be positive')),
    /** What a full persistent queue does: refuse (retryable, backpressure), or drop and count. */
    when_full: z.enum(['block', 'drop_newest', 'drop_oldest']).default('block'),
    /** What queue_size counts (in-memory queue): requests (batches), items (spans, points, records) or bytes. */
    sizer: z.enum(['requests', 'items', 'bytes']).default('requests'),
    /** In-memory queue: a full queue makes the caller (and so the client) wait for room instead of refusing. */
    block_on_overflow: z.boolean().default(false),
    /**
     * Exporter-side batching: a consumer sends the entries waiting in the queue together (same
     * tenant and headers), gathering towards min_size and never past max_size. It does not wait
     * for more to arrive, so flush_timeout is accepted and ignored (see HELPER_IGNORED_KEYS).
     */
    batch: z
      .strictObject({
        flush_timeout: duration().optional(),
        min_size: z.number().int().min(0).optional(),
        max_size: z.number().int().min(0).optional(),
        sizer: z.enum(['requests', 'items', 'bytes']).optional().refine((v) => v !== 'bytes', 'batch sizer bytes is not supported; use items or requests'),
      })
      .nullish()
      .transform((b) => (b === null ? {} : b))
      .refine((b) => b === undefined || b.max_size === undefined || b.max_size === 0 || b.max_size >= (b.min_size ?? 8192), { message: 'batch.max_size must be at least min_size (default 8192), or 0 for no cap' }),
    /** The Collector's request-level wait; Sluice's `batch.wait_for_result` holds acknowledgements. Accepted, ignored. */
    wait_for_result: z.boolean().optional(),
  })
  .strict();

export const retrySchema = z
  .object({
    enabled: z.boolean().default(true),
    initial_interval: duration('5s'),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    multiplier: z.number().min(1).default(1.5),
    max_interval: duration('30s'),
    /** Give up after this long; 0 retries forever (only sensible with a persistent queue). */
    max_elapsed_time: duration('300s'),
  })
  .strict();

/**
 * Helper keys accepted for Collector configs and ignored, with why that is harmless; the framework
 * adds them to every exporter's notices (src/config/ignored-keys.ts).
 */
export const HELPER_IGNORED_KEYS: Readonly<Record<string, string>> = {
  'sending_queue.batch.flush_timeout': 'a consumer sends what is waiting at once rather than waiting for more; under load the queue fills and batches grow towards min_size',
  'sending_queue.wait_for_result': 'acknowledgement timing is set by the batch processor\'s wait_for_result and the queue\'s storage',
};

export const exporterHelperFields = {
  timeout: duration('5s'),
  sending_queue: section(sendingQueueSchema),
  retry_on_failure: section(retrySchema),
};

export type SendingQueueSettings = z.output<typeof sendingQueueSchema>;
export type RetrySettings = z.output<typeof retrySchema>;

export interface ExporterHelperSettings {
  timeout: number;
  sending_queue: SendingQueueSettings;
  retry_on_failure: RetrySettings;
}
