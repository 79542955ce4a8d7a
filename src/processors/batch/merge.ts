// Merging and splitting batches is shared with the exporter helper's `sending_queue.batch`, so it
// lives in src/core; this module keeps the batch processor's own import path.
export { mergeBatches, splitBatch } from '../../core/batch-merge.ts';
