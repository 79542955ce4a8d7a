import type { Batch } from '../../core/batch.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { HeldBytes } from '../../core/memory.ts';
import type { ExportQueue, OfferResult, QueueEntry } from '../../core/storage.ts';

/** What `capacity` counts, as the Collector's `sending_queue.sizer`: batches, telemetry items, or encoded bytes. */
export type QueueSizer = 'requests' | 'items' | 'bytes';

export interface MemoryQueueOptions {
  sizer?: QueueSizer;
  /** A full queue makes the caller wait for room (`block_on_overflow`) instead of refusing. */
  blockOnOverflow?: boolean;
  /** Counts the queued batches' bytes, from offer until ack or release, in the memory budget. */
  held?: HeldBytes;
}

function weightOf(batch: Batch, sizer: QueueSizer): number {
  if (sizer === 'requests') return 1;
  if (sizer === 'items') return batch.itemCount;
  let bytes = 0;
  const chunks = batch.byteChunks();
  for (let i = 0; i < chunks.length; i++) bytes += chunks[i].byteLength;
  return bytes;
}

/** A bounded FIFO of batches. A full queue refuses (or makes the caller wait); it never grows and never drops silently. */
export class MemoryQueue implements ExportQueue {
  readonly capacity: number;
  readonly persistent = false;
  #items: QueueEntry[] = [];
  #weights: number[] = [];
  #head = 0;
  #handingOver = 0;
  /** The weight of the entries queued, in the sizer's unit. */
  #used = 0;
  #waiters: Array<(ready: boolean) => void> = [];
  /** Callers of offer() waiting for room under blockOnOverflow. */
  #roomWaiters: Array<() => void> = [];
  #closed = false;
  readonly #clock: Clock;
  readonly #sizer: QueueSizer;
  readonly #block: boolean;
  readonly #held: HeldBytes | undefined;

  constructor(capacity: number, clock: Clock = systemClock, options: MemoryQueueOptions = {}) {
    this.capacity = capacity;
    this.#clock = clock;
    this.#sizer = options.sizer ?? 'requests';
    this.#block = options.blockOnOverflow ?? false;
    this.#held = options.held;
  }

  /** Entries no consumer has been woken for; one being handed to a consumer does not take a slot. */
  get size(): number {
    if (this.#sizer !== 'requests') return this.#used;
    return this.#items.length - this.#head - this.#handingOver;
  }

  #noRoomFor(weight: number): boolean {
    return this.#sizer === 'requests' ? this.size >= this.capacity : this.#used + weight > this.capacity;
  }

  get oldestEnqueuedAt(): number | undefined {
    return this.#items.length === this.#head ? undefined : this.#items[this.#head].enqueuedAt;
  }

  async offer(batch: Batch): Promise<OfferResult> {
    const weight = weightOf(batch, this.#sizer);
    // One batch bigger than the whole queue could never fit: refuse it rather than wait forever.
    if (weight > this.capacity && this.#sizer !== 'requests') return 'full';
    while (this.#block && !this.#closed && this.#waiters.length === 0 && this.#noRoomFor(weight)) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined && (this.#closed || this.#noRoomFor(weight))) return 'full';
    this.#used += weight;
    this.#weights.push(weight);
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
    this.#used -= this.#weights[this.#head];
    this.#head++;
    if (this.#roomWaiters.length > 0) this.#roomWaiters.shift()!();
    // Whichever consumer gets here first takes the entry a woken one was meant to have.
    if (this.#handingOver > 0) this.#handingOver--;
    // Compact now and then so the array does not grow with the total ever queued.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#weights = this.#weights.slice(this.#head);
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
    const blocked = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of blocked) wake();
  }
}

/** An entry remembers the bytes it was counted with: a push may decode the batch meanwhile. */
interface HeldEntry extends QueueEntry {
  bytes: number;
}
