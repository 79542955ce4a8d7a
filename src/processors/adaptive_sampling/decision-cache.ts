import type { DecisionRecord } from './key-rates.ts';
import { IdIndex, newTraceId, traceIdOfKey, type TraceId } from './trace-ids.ts';

// Remembers recent decisions so spans arriving after them follow them. Kept and dropped traces
// have separate bounds: drops outnumber keeps by the sampling ratio and must not evict them.
//
// Each side is a ring of slots in typed arrays (trace-ids.ts): the slot an id goes to is the
// ring's next position, so eviction is FIFO and costs one unlink, and a remembered trace is no
// object in the JS heap. Both rings are rows of one hash index, so a new trace costs one lookup.
// The Map and Set of key strings this replaces were the sampler's largest old-generation tenants at saturation: 100,000 strings each side, promoted as they came, and
// tables V8 re-hashed into new backing stores as deletions filled them.

const INITIAL_SLOTS = 1024;
/** Int32s per row: the id and its chain link (ID_FIELDS), padded to 32 bytes. */
const STRIDE = 8;

/**
 * One side's FIFO of slots, 0, 1, … up to its capacity and then around again. Its slots are rows
 * of the cache's one index: kept slot k is row 2k, dropped slot d row 2d + 1, so a new trace's id
 * is looked up once for both sides (a hash index at saturation is a cache miss or two per lookup).
 */
class Ring {
  readonly #capacity: number;
  readonly #side: number;
  /** Slots in use; they fill 0, 1, … and then the ring wraps. */
  size = 0;
  /** When full: the oldest slot, the next to be reused. */
  #oldest = 0;

  constructor(capacity: number, side: number) {
    this.#capacity = capacity;
    this.#side = side;
  }

  /** The row for a new id: the next free slot's, or the oldest slot's, its id taken out of `index`. */
  take(index: IdIndex): number {
    if (this.size < this.#capacity) {
      const row = 2 * this.size++ + this.#side;
      if (row >= index.capacity) index.grow(Math.min(2 * this.#capacity, Math.max(2 * index.capacity, row + 1)));
      return row;
    }
    const row = 2 * this.#oldest + this.#side;
    this.#oldest = this.#oldest + 1 === this.#capacity ? 0 : this.#oldest + 1;
    index.remove(row);
    return row;
  }
}

const KEPT = 0;
const DROPPED = 1;

export class DecisionCache {
  readonly #capacity: number;
  readonly #index: IdIndex;
  readonly #kept: Ring;
  readonly #dropped: Ring;
  /** Kept traces' records, by kept slot (row >> 1). */
  #records: Array<DecisionRecord | null>;
  readonly #scratch = newTraceId();

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#index = new IdIndex(Math.min(2 * capacity, 2 * INITIAL_SLOTS), STRIDE);
    this.#kept = new Ring(capacity, KEPT);
    this.#dropped = new Ring(capacity, DROPPED);
    this.#records = new Array<DecisionRecord | null>(this.#index.capacity >> 1).fill(null);
  }

  /**
   * The remembered decision for `id` in one lookup: its record when kept, null when dropped,
   * undefined when neither. An id is remembered once; a keep outranks a drop.
   */
  decided(id: TraceId): DecisionRecord | null | undefined {
    const row = this.#index.find(id);
    if (row < 0) return undefined;
    return (row & 1) === KEPT ? this.#records[row >> 1] : null;
  }

  /** The kept trace's record, or undefined. */
  kept(id: TraceId): DecisionRecord | undefined {
    return this.decided(id) ?? undefined;
  }

  wasDropped(id: TraceId): boolean {
    return this.decided(id) === null;
  }

  rememberKept(id: TraceId, record: DecisionRecord): void {
    if (this.#capacity === 0) return;
    const row = this.#index.find(id);
    if (row >= 0 && (row & 1) === KEPT) {
      this.#records[row >> 1] = record;
      return;
    }
    if (row >= 0) this.#index.remove(row); // its drop is outranked; the ring forgets the slot in turn
    this.rememberNewKept(id, record);
  }

  /** rememberKept for an id known not to be remembered (the sampler looked it up when the trace opened). */
  rememberNewKept(id: TraceId, record: DecisionRecord): void {
    if (this.#capacity === 0) return;
    const index = this.#index;
    const row = this.#kept.take(index);
    index.insert(row, id);
    const slot = row >> 1;
    if (slot >= this.#records.length) {
      const grown = new Array<DecisionRecord | null>(index.capacity >> 1).fill(null);
      for (let i = 0; i < this.#records.length; i++) grown[i] = this.#records[i];
      this.#records = grown;
    }
    this.#records[slot] = record;
  }

  rememberDropped(id: TraceId): void {
    if (this.#capacity === 0 || this.#index.find(id) >= 0) return;
    this.rememberNewDropped(id);
  }

  /** rememberDropped for an id known not to be remembered. */
  rememberNewDropped(id: TraceId): void {
    if (this.#capacity === 0) return;
    const index = this.#index;
    index.insert(this.#dropped.take(index), id);
  }

  /** rememberKept / rememberDropped by trace key string (the decision log's form, trace-hash.ts). */
  restore(key: string, record: DecisionRecord | null): void {
    if (!traceIdOfKey(key, this.#scratch)) return;
    if (record === null) this.rememberDropped(this.#scratch);
    else this.rememberKept(this.#scratch, record);
  }

  get size(): { kept: number; dropped: number } {
    return { kept: this.#kept.size, dropped: this.#dropped.size };
  }
}
