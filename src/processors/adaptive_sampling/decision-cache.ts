import type { DecisionRecord } from './key-rates.ts';
import { IdIndex, newTraceId, traceIdOfKey, type TraceId } from './trace-ids.ts';

// Remembers recent decisions so spans arriving after them follow them. Kept and dropped traces
// have separate bounds: drops outnumber keeps by the sampling ratio and must not evict them.
//
// Each side is a ring of slots in typed arrays (trace-ids.ts): the slot an id goes to is the
// ring's next position, so eviction is FIFO and costs one unlink, and a remembered trace is no
// object in the JS heap. The Map and Set of key strings this replaces were the sampler's largest
// old-generation tenants at saturation: 100,000 strings each side, promoted as they came, and
// tables V8 re-hashed into new backing stores as deletions filled them.

const INITIAL_SLOTS = 1024;
/** Int32s per row: the id and its chain link (ID_FIELDS), padded to 32 bytes. */
const STRIDE = 8;

class IdRing {
  readonly #capacity: number;
  readonly index: IdIndex;
  /** Slots in use; they fill 0, 1, … and then the ring wraps. */
  #size = 0;
  /** When full: the oldest slot, the next to be reused. */
  #oldest = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.index = new IdIndex(Math.min(capacity, INITIAL_SLOTS), STRIDE);
  }

  get size(): number {
    return this.#size;
  }

  /** A slot for a new id: the next free one, or the oldest one, evicted. */
  take(): number {
    if (this.#size < this.#capacity) {
      const s = this.#size++;
      if (s === this.index.capacity) this.index.grow(Math.min(this.#capacity, 2 * s));
      return s;
    }
    const s = this.#oldest;
    this.#oldest = s + 1 === this.#capacity ? 0 : s + 1;
    this.index.remove(s);
    return s;
  }
}

export class DecisionCache {
  readonly #capacity: number;
  readonly #kept: IdRing;
  #records: Array<DecisionRecord | null>;
  readonly #dropped: IdRing;
  readonly #scratch = newTraceId();

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#kept = new IdRing(capacity);
    this.#records = new Array<DecisionRecord | null>(this.#kept.index.capacity).fill(null);
    this.#dropped = new IdRing(capacity);
  }

  /** The kept trace's record, or undefined. */
  kept(id: TraceId): DecisionRecord | undefined {
    if (this.#kept.size === 0) return undefined;
    const s = this.#kept.index.find(id);
    return s < 0 ? undefined : this.#records[s]!;
  }

  wasDropped(id: TraceId): boolean {
    return this.#dropped.size !== 0 && this.#dropped.index.find(id) >= 0;
  }

  rememberKept(id: TraceId, record: DecisionRecord): void {
    if (this.#capacity === 0) return;
    const index = this.#kept.index;
    let s = index.find(id);
    if (s < 0) {
      s = this.#kept.take();
      index.insert(s, id);
      if (this.#records.length < index.capacity) {
        const grown = new Array<DecisionRecord | null>(index.capacity).fill(null);
        for (let i = 0; i < this.#records.length; i++) grown[i] = this.#records[i];
        this.#records = grown;
      }
    }
    this.#records[s] = record;
  }

  rememberDropped(id: TraceId): void {
    if (this.#capacity === 0) return;
    const index = this.#dropped.index;
    if (index.find(id) >= 0) return;
    index.insert(this.#dropped.take(), id);
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
