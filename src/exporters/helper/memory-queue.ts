import type { Batch } from '../../core/batch.ts';

export interface QueueEntry {
  batch: Batch;
  enqueuedAt: number;
}

/**
 * ok: queued. full: refused, the sender should retry. dropped: refused by an explicit drop policy
 * (counted; the client is not asked to retry). error: storage failed (retryable).
 */
export type OfferResult = 'ok' | 'full' | 'dropped' | 'error';

/** What the exporter helper needs from a queue; the in-memory and the on-disk queue both provide it. */
export interface ExportQueue {
  offer(batch: Batch): Promise<OfferResult>;
  /** Waits for an entry; undefined once the queue is closed and empty. */
  take(): Promise<QueueEntry | undefined>;
  /** The entry was delivered, or failed for good. */
  ack(entry: QueueEntry): void;
  /** The entry could not be delivered before shutdown; a persistent queue keeps it. */
  release(entry: QueueEntry): void;
  readonly size: number;
  readonly capacity: number;
  /** Whether entries released at shutdown survive to the next start. */
  readonly persistent: boolean;
  readonly oldestEnqueuedAt: number | undefined;
  /** Bytes held and the byte bound, where the queue measures them (the persistent queue does). */
  readonly sizeBytes?: number;
  readonly capacityBytes?: number;
  /** Stops new offers; take() returns undefined once the queue is empty. */
  close(): Promise<void>;
  /** Releases resources once the consumers have stopped (flushes a persistent queue's checkpoint). */
  dispose?(): Promise<void>;
}

/** A bounded FIFO of batches. A full queue refuses; it never grows and never drops silently. */
export class MemoryQueue implements ExportQueue {
  readonly capacity: number;
  readonly persistent = false;
  #items: QueueEntry[] = [];
  #head = 0;
  #waiters: Array<(entry: QueueEntry | undefined) => void> = [];
  #closed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get oldestEnqueuedAt(): number | undefined {
    return this.size === 0 ? undefined : this.#items[this.#head].enqueuedAt;
  }

  async offer(batch: Batch): Promise<OfferResult> {
    const entry = { batch, enqueuedAt: Date.now() };
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(entry);
      return 'ok';
    }
    if (this.#closed || this.size >= this.capacity) return 'full';
    this.#items.push(entry);
    return 'ok';
  }

  take(): Promise<QueueEntry | undefined> {
    if (this.size > 0) {
      const entry = this.#items[this.#head];
      this.#items[this.#head] = undefined as unknown as QueueEntry;
      this.#head++;
      // Compact now and then so the array does not grow with the total ever queued.
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve(entry);
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  ack(): void {}

  release(): void {}

  async close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter(undefined);
  }
}
