import type { RedactionCounts } from './counts.ts';

// Telemetry repeats its attributes: routes, statements, peers, hosts, status codes, one user's
// email in every span of a trace, the same few URLs request after request. What redaction does to
// a span attribute depends only on the bytes of its field (key and value) and the processor's
// settings, so the verdict is kept here from request to request: the counts it adds, and the
// field's output bytes when it changes (nothing for a field that is cut). A field seen before
// costs a hash and a compare of its bytes, a word at a time, instead of parsing it, looking its key
// up and scanning its value. A field never seen before costs the hash and a copy on top of that
// (benchmarks/RESULTS.md measures both, with chain.bench --unique-values).
//
// Bounded: a slot holds the last field that hashed to it, and the fields' bytes and counts live in
// two arenas; when either is full, every slot is forgotten and the cache starts over.

const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;
const ARENA_BYTES = 1 << 19;
const COUNT_ROWS = 1 << 14;
/** Longer fields are judged every time: long values seldom repeat, and would churn the arena. */
const CACHED_FIELD_MAX = 1024;
/** Outputs are kept up to this size, so that the cache holds at most SLOTS × this many bytes of them (hash tokens are longer than what they replace). */
const CACHED_OUTPUT_MAX = 2048;
/** The hash and the compare read words. */
const CACHED_FIELD_MIN = 4;

export class VerdictCache {
  /** The slot find() last found a verdict in or looked in (which add() fills); -1 for a field the cache does not take. */
  slot: number;
  /** Count indices (RedactionCounts.addIndex) of the verdicts, rows [fromOf, toOf) of each. */
  readonly counts: Int32Array;
  readonly #at: Int32Array;
  /** Each slot's field: arena[at, at + length); length -1 for an empty slot. */
  readonly #length: Int32Array;
  readonly #from: Int32Array;
  readonly #to: Int32Array;
  /** The output bytes of a field that changes; null for one that stays. */
  readonly #output: Array<Uint8Array | null>;
  /** Each slot's entry number, so that a slot remembered elsewhere can be checked to still hold that entry. */
  readonly #serial: Int32Array;
  #serials: number;
  readonly #arena: Uint8Array;
  readonly #arenaView: DataView;
  #arenaUsed: number;
  #rowsUsed: number;

  constructor() {
    this.slot = -1;
    this.counts = new Int32Array(COUNT_ROWS);
    this.#at = new Int32Array(SLOTS);
    this.#length = new Int32Array(SLOTS).fill(-1);
    this.#from = new Int32Array(SLOTS);
    this.#to = new Int32Array(SLOTS);
    this.#output = new Array<Uint8Array | null>(SLOTS).fill(null);
    this.#serial = new Int32Array(SLOTS);
    this.#serials = 0;
    this.#arena = new Uint8Array(ARENA_BYTES);
    this.#arenaView = new DataView(this.#arena.buffer);
    this.#arenaUsed = 0;
    this.#rowsUsed = 0;
  }

  /** Whether the field [start, end) of `view` was seen before; if so its verdict is in `slot`. */
  find(view: DataView, start: number, end: number): boolean {
    const length = end - start;
    if (length < CACHED_FIELD_MIN || length > CACHED_FIELD_MAX) {
      this.slot = -1;
      return false;
    }
    // A multiplicative hash of the words, the last one overlapping.
    let hash = Math.imul(length, 0x9e3779b1);
    const last = end - 4;
    for (let i = start; i < last; i += 4) hash = Math.imul(hash ^ view.getInt32(i, true), 0x9e3779b1);
    hash = Math.imul(hash ^ view.getInt32(last, true), 0x9e3779b1);
    const slot = hash >>> (32 - SLOT_BITS);
    this.slot = slot;
    return this.#length[slot] === length && sameWords(this.#arenaView, this.#at[slot], view, start, length);
  }

  /**
   * Keeps the verdict of the field [start, end) of `view`, which find() just missed: the counts
   * `counts` journaled since `mark` (none when `counts` is null), and its output bytes (null: it stays as it is; the caller may
   * pass a placeholder and keepOutput() the bytes later). Returns its slot.
   */
  add(view: DataView, start: number, end: number, counts: RedactionCounts | null, mark: number, output: Uint8Array | null): number {
    const slot = this.slot;
    const length = end - start;
    const rows = counts === null ? 0 : counts.mark() - mark;
    if (this.#arenaUsed + length > ARENA_BYTES || this.#rowsUsed + rows > COUNT_ROWS) this.#clear();
    if (output !== null && output.length > CACHED_OUTPUT_MAX) {
      this.#length[slot] = -1;
      return -1;
    }
    const at = this.#arenaUsed;
    // A word at a time, the last one overlapping (length ≥ 4): no view of the request is made.
    const arena = this.#arenaView;
    const last = length - 4;
    for (let i = 0; i < last; i += 4) arena.setInt32(at + i, view.getInt32(start + i));
    arena.setInt32(at + last, view.getInt32(start + last));
    this.#arenaUsed += length;
    const from = this.#rowsUsed;
    for (let j = 0; j < rows; j++) this.counts[this.#rowsUsed++] = counts!.journalAt(mark + j);
    this.#at[slot] = at;
    this.#length[slot] = length;
    this.#from[slot] = from;
    this.#to[slot] = this.#rowsUsed;
    this.#output[slot] = output;
    this.#serial[slot] = ++this.#serials;
    return slot;
  }

  /** The verdict in `slot`: count rows [fromOf, toOf), and the field's output bytes (null: unchanged). */
  fromOf(slot: number): number {
    return this.#from[slot];
  }

  toOf(slot: number): number {
    return this.#to[slot];
  }

  fieldOf(slot: number): Uint8Array | null {
    return this.#output[slot];
  }

  /** Keeps the output of the field in `slot` (which replaces a placeholder), unless it is too long to keep. */
  keepOutput(slot: number, output: Uint8Array): void {
    if (output.length > CACHED_OUTPUT_MAX) this.#length[slot] = -1;
    else this.#output[slot] = output;
  }

  serialOf(slot: number): number {
    return this.#serial[slot];
  }

  /** Whether `slot` still holds the entry that had `serial`. */
  holds(slot: number, serial: number): boolean {
    return this.#serial[slot] === serial && this.#length[slot] >= 0;
  }

  #clear(): void {
    this.#length.fill(-1);
    this.#output.fill(null);
    this.#arenaUsed = 0;
    this.#rowsUsed = 0;
  }
}

/** Whether a[aStart, aStart + length) and b[bStart, bStart + length) (DataViews; length ≥ 4) hold the same bytes. */
export function sameWords(a: DataView, aStart: number, b: DataView, bStart: number, length: number): boolean {
  const last = length - 4;
  for (let i = 0; i < last; i += 4) if (a.getInt32(aStart + i) !== b.getInt32(bStart + i)) return false;
  return a.getInt32(aStart + last) === b.getInt32(bStart + last);
}
