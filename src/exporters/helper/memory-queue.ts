import type { Batch } from '../../core/batch.ts';
import type { HeldBytes } from '../../core/memory.ts';

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
  /** The oldest waiting entry, now; undefined when none is waiting. It never waits for one to arrive. */
  poll(): Promise<QueueEntry | undefined>;
  /**
   * Resolves true once poll() may find an entry (another consumer may still get there first),
   * false once the queue is closed and empty. It carries no entry on purpose. An idle consumer
   * parks here for several seconds at low rates, so its promise is promoted to the old
   * generation; a batch handed over through it would stay reachable from that dead promise
   * until the next mark-compact, and so would every request body the batch holds
   * (benchmarks/RESULTS.md, "The sending queue pinned every batch until a mark-compact").
   */
  whenReady(): Promise<boolean>;
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
  #handingOver = 0;
  #waiters: Array<(ready: boolean) => void> = [];
  #closed = false;
  readonly #held: HeldBytes | undefined;

  /** `held` counts the queued batches' bytes, from offer until ack or release, in the memory budget. */
  constructor(capacity: number, held?: HeldBytes) {
    this.capacity = capacity;
    this.#held = held;
  }

  /** Entries no consumer has been woken for; one being handed to a consumer does not take a slot. */
  get size(): number {
    return this.#items.length - this.#head - this.#handingOver;
  }

  get oldestEnqueuedAt(): number | undefined {
    return this.#items.length === this.#head ? undefined : this.#items[this.#head].enqueuedAt;
  }

  async offer(batch: Batch): Promise<OfferResult> {
    const waiter = this.#waiters.shift();
    if (waiter === undefined && (this.#closed || this.size >= this.capacity)) return 'full';
    const bytes = batch.byteLength;
    this.#held?.add(bytes);
    this.#items.push({ batch, enqueuedAt: Date.now(), bytes } as HeldEntry);
    if (waiter !== undefined) {
      this.#handingOver++;
      waiter(true);
    }
    return 'ok';
  }

  poll(): Promise<QueueEntry | undefined> {
    if (this.#items.length === this.#head) return Promise.resolve(undefined);
    const entry = this.#items[this.#head];
    this.#items[this.#head] = undefined as unknown as QueueEntry;
    this.#head++;
    // Whichever consumer gets here first takes the entry a woken one was meant to have.
    if (this.#handingOver > 0) this.#handingOver--;
    // Compact now and then so the array does not grow with the total ever queued.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return Promise.resolve(entry);
  }

  whenReady(): Promise<boolean> {
    if (this.#items.length > this.#head) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  ack(entry: QueueEntry): void {
    this.#held?.add(-(entry as HeldEntry).bytes);
  }

  release(entry: QueueEntry): void {
    this.#held?.add(-(entry as HeldEntry).bytes);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter(false);
  }
}

/** An entry remembers the bytes it was counted with: a push may decode the batch meanwhile. */
interface HeldEntry extends QueueEntry {
  bytes: number;
}
