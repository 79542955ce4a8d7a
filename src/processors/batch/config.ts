import { z } from 'zod';
import { duration } from '../../config/units.ts';

export const batchConfigSchema = z
  .object({
    /** Send a batch this long after its first item arrived, even if it is small. */
    timeout: duration('200ms'),
    /** Send as soon as this many items (spans, points, records) are waiting. */
    send_batch_size: z.number().int().min(1).default(8192),
    /** Split batches larger than this; 0 = no upper limit. */
    send_batch_max_size: z.number().int().min(0).default(0),
    /**
     * Keep batches apart by these request metadata keys: `tenant`, or a header name kept by the
     * receiver. One batch then never carries two tenants' data.
     */
    metadata_keys: z.array(z.string().min(1).transform((key) => key.toLowerCase())).default([]),
    /**
     * Hold each request's acknowledgement until its batch has been handed to every exporter
     * (with a persistent queue: written to disk). Off, a crash loses what waits here, as in the
     * Collector.
     */
    wait_for_result: z.boolean().default(false),
    /** At most this many distinct partitions; beyond it new partitions are refused (retryable). */
    metadata_cardinality_limit: z.number().int().min(1).default(1000),
  })
  .strict()
  .refine((c) => c.send_batch_max_size === 0 || c.send_batch_max_size >= c.send_batch_size, {
    message: 'send_batch_max_size must be 0 or at least send_batch_size',
    path: ['send_batch_max_size'],
  });

export type BatchConfig = z.output<typeof batchConfigSchema>;
