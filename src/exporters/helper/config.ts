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
    /** Accepted and ignored (see HELPER_IGNORED_KEYS): exporter-side batching; the batch processor does it. */
    batch: z
      .strictObject({
        flush_timeout: duration().optional(),
        min_size: z.number().int().min(0).optional(),
        max_size: z.number().int().min(0).optional(),
        sizer: z.enum(['requests', 'items', 'bytes']).optional(),
      })
      .nullish(),
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
  'sending_queue.batch': 'exporter-side batching is not done; batches are sent as the pipeline hands them over. Put the batch processor in the pipeline for the same grouping',
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
