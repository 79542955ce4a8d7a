import type { Batch } from '../core/batch.ts';
import type { Consumer } from '../core/component.ts';

export interface FanoutTarget {
  consumer: Consumer;
  /** Edits batches; gets its own copy when anyone else also receives the batch. */
  mutates: boolean;
}

/**
 * Hands one batch to several consumers. Readers share the batch; each mutator gets a clone (cheap:
 * clones share the immutable encoded bytes). A slow consumer does not delay the others' start.
 */
export function fanout(targets: readonly FanoutTarget[]): Consumer {
  if (targets.length === 1) return targets[0].consumer;
  return {
    async consume(batch: Batch): Promise<void> {
      const pending: Promise<void>[] = new Array(targets.length);
      for (let i = 0; i < targets.length; i++) {
        const target = targets[i];
        const copy = target.mutates ? batch.clone({ ...batch.metadata }) : batch;
        pending[i] = target.consumer.consume(copy);
      }
      const results = await Promise.allSettled(pending);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
    },
  };
}
