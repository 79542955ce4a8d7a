import type { Batch } from '../../core/batch.ts';
import type { Consumer, ProcessorFactory } from '../../core/component.ts';
import type { HeldBytes } from '../../core/memory.ts';
import { errorMessage, PipelineError } from '../../core/errors.ts';
import { newOutcome, type RequestMetadata } from '../../core/metadata.ts';
import type { Logger } from 'pino';
import { batchConfigSchema, type BatchConfig } from './config.ts';
import { mergeBatches, splitBatch } from './merge.ts';

interface Partition {
  key: string;
  parts: Batch[];
  items: number;
  /** Encoded bytes of the parts, counted in the memory budget until the flush hands them on. */
  bytes: number;
  timer: NodeJS.Timeout | undefined;
  metadata: RequestMetadata;
  /** Requests waiting for this partition's flush (wait_for_result). */
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Groups batches by size and time. Like the Collector's batch processor it acknowledges a request
 * as soon as it is buffered; the flush hands the merged batch on through `next`.
 */
export class BatchProcessor {
  readonly #config: BatchConfig;
  readonly #next: Consumer;
  readonly #logger: Logger;
  readonly #partitions = new Map<string, Partition>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #held: HeldBytes | undefined;
  #stopped = false;

  constructor(config: BatchConfig, next: Consumer, logger: Logger, held?: HeldBytes) {
    this.#config = config;
    this.#next = next;
    this.#logger = logger;
    this.#held = held;
  }

  process(batch: Batch): null | Promise<null> {
    if (this.#stopped) throw new PipelineError('overloaded', 'batch processor is shutting down', 1000);
    const key = this.#partitionKey(batch.metadata);
    let partition = this.#partitions.get(key);
    if (partition === undefined) {
      if (this.#partitions.size >= this.#config.metadata_cardinality_limit) {
        throw new PipelineError('overloaded', 'too many distinct batch partitions (metadata_cardinality_limit)', 1000);
      }
      partition = { key, parts: [], items: 0, bytes: 0, timer: undefined, metadata: this.#partitionMetadata(batch.metadata), waiters: [] };
      this.#partitions.set(key, partition);
    }
    partition.parts.push(batch);
    partition.items += batch.itemCount;
    if (this.#held !== undefined) {
      const bytes = batch.byteLength;
      partition.bytes += bytes;
      this.#held.add(bytes);
    }
    const result = this.#config.wait_for_result
      ? new Promise<null>((resolve, reject) => partition.waiters.push({ resolve: () => resolve(null), reject }))
      : null;
    if (partition.items >= this.#config.send_batch_size) {
      this.#flush(partition);
    } else if (partition.timer === undefined) {
      const owner = partition;
      partition.timer = setTimeout(() => this.#flush(owner), this.#config.timeout);
    }
    return result;
  }

  #partitionKey(metadata: RequestMetadata): string {
    const keys = this.#config.metadata_keys;
    if (keys.length === 0) return '';
    let key = '';
    for (let i = 0; i < keys.length; i++) key += `${keys[i] === 'tenant' ? (metadata.tenant ?? '') : (metadata.headers[keys[i]] ?? '')}\u0000`;
    return key;
  }

  /** The merged batch keeps only what all its parts share: the partition's keys. */
  #partitionMetadata(first: RequestMetadata): RequestMetadata {
    const keys = this.#config.metadata_keys;
    const headers: Record<string, string> = {};
    for (const key of keys) if (key !== 'tenant' && first.headers[key] !== undefined) headers[key] = first.headers[key];
    return {
      tenant: keys.includes('tenant') ? first.tenant : undefined,
      principal: undefined,
      clientAddress: '',
      headers,
      receivedAt: first.receivedAt,
      transport: 'internal',
      outcome: newOutcome(),
    };
  }

  #flush(partition: Partition): void {
    if (partition.timer !== undefined) clearTimeout(partition.timer);
    this.#partitions.delete(partition.key);
    // From here the exporters' queues hold these bytes, and count them.
    this.#held?.add(-partition.bytes);
    if (partition.parts.length === 0) return;
    const signal = partition.parts[0].signal;
    const merged = mergeBatches(signal, partition.parts, partition.metadata);
    const max = this.#config.send_batch_max_size;
    const outgoing = max > 0 ? splitBatch(merged, max) : [merged];
    const waiters = partition.waiters;
    const sending = Promise.all(outgoing.map((batch) => this.#next.consume(batch))).then(
      () => {
        for (const waiter of waiters) waiter.resolve();
      },
      (error) => {
        if (waiters.length > 0) {
          // The clients are still waiting: they get the refusal and will retry.
          for (const waiter of waiters) waiter.reject(error);
        } else {
          // The clients were already acknowledged; the exporter helper counted the refusal.
          this.#logger.warn({ items: merged.itemCount, error: errorMessage(error) }, 'batch could not be handed to the exporters');
        }
      },
    );
    this.#inFlight.add(sending);
    sending.finally(() => this.#inFlight.delete(sending));
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const partition of [...this.#partitions.values()]) this.#flush(partition);
    await Promise.all(this.#inFlight);
  }
}

export const batchProcessorFactory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: batchConfigSchema,
  create(ctx) {
    return new BatchProcessor(ctx.config, ctx.next, ctx.logger, ctx.host.memory.holder('batch'));
  },
};
