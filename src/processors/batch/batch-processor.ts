import type { Batch } from '../../core/batch.ts';
import type { Consumer } from '../../core/component.ts';
import type { HeldBytes } from '../../core/memory.ts';
import { errorMessage, PipelineError } from '../../core/errors.ts';
import { newOutcome, type RequestMetadata } from '../../core/metadata.ts';
import type { Logger } from 'pino';
import type { BoundCounter, BoundHistogram, Telemetry } from '../../core/telemetry.ts';
import type { BatchConfig } from './config.ts';
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
/** The Collector's bucket bounds for otelcol_processor_batch_batch_send_size. */
const SEND_SIZE_BOUNDS = [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000];

/** The Collector's otelcol_processor_batch_* family, so its batch dashboards work. */
export interface BatchMetrics {
  sendSize: BoundHistogram;
  sizeTrigger: BoundCounter;
  timeoutTrigger: BoundCounter;
}

/** Per telemetry and processor id, the partition counts of its instances (one per pipeline): one series, their sum. */
const cardinalities = new WeakMap<Telemetry, Map<string, Array<() => number>>>();

export function batchMetrics(telemetry: Telemetry, processor: string, cardinality: () => number): BatchMetrics {
  const labels = { processor };
  let byId = cardinalities.get(telemetry);
  if (byId === undefined) {
    const map = new Map<string, Array<() => number>>();
    byId = map;
    cardinalities.set(telemetry, map);
    telemetry.observe('otelcol_processor_batch_metadata_cardinality', 'Number of distinct metadata value combinations being processed.', ['processor'], () =>
      [...map].map(([id, counts]) => ({ labels: { processor: id }, value: counts.reduce((sum, count) => sum + count(), 0) })));
  }
  const counts = byId.get(processor) ?? [];
  counts.push(cardinality);
  byId.set(processor, counts);
  return {
    sendSize: telemetry.histogram('otelcol_processor_batch_batch_send_size', 'Number of units in the batch.', ['processor'], SEND_SIZE_BOUNDS).bind(labels),
    sizeTrigger: telemetry.counter('otelcol_processor_batch_batch_size_trigger_send_total', 'Number of times the batch was sent due to a size trigger.', ['processor']).bind(labels),
    timeoutTrigger: telemetry.counter('otelcol_processor_batch_timeout_trigger_send_total', 'Number of times the batch was sent due to a timeout trigger.', ['processor']).bind(labels),
  };
}

export class BatchProcessor {
  readonly #config: BatchConfig;
  #metrics: BatchMetrics | undefined;
  readonly #next: Consumer;
  readonly #logger: Logger;
  readonly #partitions = new Map<string, Partition>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #held: HeldBytes | undefined;
  #stopped = false;

  constructor(config: BatchConfig, next: Consumer, logger: Logger, held?: HeldBytes, metrics?: (partitions: () => number) => BatchMetrics) {
    this.#config = config;
    this.#next = next;
    this.#logger = logger;
    this.#held = held;
    this.#metrics = metrics?.(() => this.#partitions.size);
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
      this.#metrics?.sizeTrigger.add(1);
      this.#flush(partition);
    } else if (partition.timer === undefined) {
      const owner = partition;
      partition.timer = setTimeout(() => {
        this.#metrics?.timeoutTrigger.add(1);
        this.#flush(owner);
      }, this.#config.timeout);
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
    if (this.#metrics !== undefined) for (const batch of outgoing) this.#metrics.sendSize.observe(batch.itemCount);
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
