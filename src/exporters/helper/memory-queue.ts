import type { Batch } from '../../core/batch.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { HeldBytes } from '../../core/memory.ts';
import type { ExportQueue, OfferResult, QueueEntry } from '../../core/storage.ts';

/** A bounded FIFO of batches. A full queue refuses; it never grows and never drops silently. */
export class MemoryQueue implements ExportQueue {
  readonly capacity: number;
  readonly persistent = false;
  #items: QueueEntry[] = [];
  #head = 0;
  #handingOver = 0;
  #waiters: Array<(ready: boolean) => void> = [];
  #closed = false;
  readonly #clock: Clock;
  readonly #held: HeldBytes | undefined;

  /** `held` counts the queued batches' bytes, from offer until ack or release, in the memory budget. */
  constructor(capacity: number, clock: Clock = systemClock, held?: HeldBytes) {
    this.capacity = capacity;
    this.#clock = clock;
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
    this.#items.push({ batch, enqueuedAt: this.#clock.now(), bytes } as HeldEntry);
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
