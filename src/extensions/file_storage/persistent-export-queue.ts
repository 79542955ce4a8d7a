import { Batch } from '../../core/batch.ts';
import { internalMetadata } from '../../core/metadata.ts';
import type { ExportQueue, OfferResult, QueueEntry } from '../../core/storage.ts';
import type { Signal } from '../../otlp/types.ts';
import type { PersistentQueue, QueueRecord } from './disk-queue/index.ts';

interface PersistentEntry extends QueueEntry {
  record: QueueRecord;
}

/**
 * The exporter helper's queue, on disk. Batches are stored as their OTLP protobuf bytes with
 * item count and tenant, and come back as batches on replay, so a restart sends exactly what
 * was acknowledged to clients.
 */
export class PersistentExportQueue implements ExportQueue {
  readonly persistent = true;
  readonly #queue: PersistentQueue;
  readonly #signal: Signal;
  readonly #stopTaking = new AbortController();
  #closing = false;
  #inFlight = 0;

  constructor(queue: PersistentQueue, signal: Signal) {
    this.#queue = queue;
    this.#signal = signal;
  }

  get size(): number {
    return this.#queue.stats.records;
  }

  get capacity(): number {
    return this.#queue.stats.capacityBytes;
  }

  get sizeBytes(): number {
    return this.#queue.stats.bytes;
  }

  get capacityBytes(): number {
    return this.#queue.stats.capacityBytes;
  }

  get oldestEnqueuedAt(): number | undefined {
    return this.#queue.stats.oldestEnqueuedAt;
  }

  get stats(): PersistentQueue['stats'] {
    return this.#queue.stats;
  }

  async offer(batch: Batch): Promise<OfferResult> {
    if (this.#closing) return 'full';
    const result = await this.#queue.enqueue(batch.bytes(), { items: batch.itemCount, tenant: batch.metadata.tenant });
    if (result.ok) return 'ok';
    switch (result.reason) {
      case 'full':
      case 'closed':
        return 'full';
      case 'dropped':
        return 'dropped';
      default:
        return 'error';
    }
  }

  async poll(): Promise<QueueEntry | undefined> {
    const record = await this.#queue.poll();
    if (record === undefined) return undefined;
    this.#inFlight++;
    const batch = Batch.fromBytes(this.#signal, record.payload, record.items, internalMetadata(record.tenant));
    const entry: PersistentEntry = { batch, enqueuedAt: record.enqueuedAt, record };
    return entry;
  }

  whenReady(): Promise<boolean> {
    if (this.#closing && this.size - this.#inFlight <= 0) return Promise.resolve(false);
    return this.#queue.whenReady(this.#stopTaking.signal);
  }

  ack(entry: QueueEntry): void {
    this.#inFlight--;
    this.#queue.ack((entry as PersistentEntry).record);
    this.#stopWhenDrained();
  }

  release(entry: QueueEntry): void {
    this.#inFlight--;
    this.#queue.nack((entry as PersistentEntry).record);
  }

  /** Stops accepting; consumers keep draining what is queued until the helper's deadline. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#stopWhenDrained();
  }

  #stopWhenDrained(): void {
    if (this.#closing && this.#queue.stats.records === 0) this.#stopTaking.abort();
  }

  async dispose(): Promise<void> {
    this.#stopTaking.abort();
    await this.#queue.close();
  }
}
