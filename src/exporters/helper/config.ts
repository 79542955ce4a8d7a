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
