import type { MatchBuffer } from './detectors/match-buffer.ts';

// Telemetry repeats its values: routes, statements, peers, hosts, one user's email in every span
// of a trace, the same few URLs request after request. The verdict of an ASCII string value
// scanned on its bytes (clean, or these replacements at these offsets) depends only on its bytes
// and its key, so it is kept here from request to request: a value seen before under the same key
// costs a hash and a compare of its bytes, a word at a time, instead of the prefilter's pass and
// the detectors it triggers. A value never seen before costs the hash and a copy on top of its
// scan (benchmarks/RESULTS.md measures both).
//
// Bounded: a slot holds the last value that hashed to it, and the values' bytes and replacements
// live in two arenas; when either is full, every slot is forgotten and the cache starts over.

const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;
const ARENA_BYTES = 1 << 19;
const ROWS = 1 << 14;
/** Values longer than this are scanned every time: long values seldom repeat, and would churn the arena. */
const CACHED_VALUE_MAX = 1024;
/** Shorter values cost the scanner nothing (no detector matches fewer than four characters). */
const CACHED_VALUE_MIN = 4;

export class VerdictCache {
  /** The slot find() last found a verdict in, or looked in. */
  slot: number;
  /** Per row: match start and end relative to the value, detector, edit kind, argument (tokens index for tokenKind). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly detectors: Int32Array;
  readonly kinds: Int32Array;
  readonly args: Int32Array;
  /** Hash tokens the rows of kind tokenKind point to. */
  readonly tokens: Uint8Array[];
  readonly #tokenKind: number;
  readonly #keys: string[];
  /** Each slot's value: arena[at, at + length); length -1 for an empty slot. */
  readonly #at: Int32Array;
  readonly #length: Int32Array;
  readonly #from: Int32Array;
  readonly #to: Int32Array;
  /** Each slot's entry number, so that a slot remembered elsewhere can be checked to still hold that entry. */
  readonly #serial: Int32Array;
  /** For a value that changes, the redacted attribute field its user made and kept here. */
  readonly #fields: Array<Uint8Array | null>;
  #serials: number;
  readonly #arena: Uint8Array;
  readonly #arenaView: DataView;
  #arenaUsed: number;
  #rowsUsed: number;
  constructor(tokenKind: number) {
    this.slot = -1;
    this.starts = new Int32Array(ROWS);
    this.ends = new Int32Array(ROWS);
    this.detectors = new Int32Array(ROWS);
    this.kinds = new Int32Array(ROWS);
    this.args = new Int32Array(ROWS);
    this.tokens = [];
    this.#tokenKind = tokenKind;
    this.#keys = new Array<string>(SLOTS).fill('');
    this.#at = new Int32Array(SLOTS);
    this.#length = new Int32Array(SLOTS).fill(-1);
    this.#from = new Int32Array(SLOTS);
    this.#to = new Int32Array(SLOTS);
    this.#serial = new Int32Array(SLOTS);
    this.#fields = new Array<Uint8Array | null>(SLOTS).fill(null);
    this.#serials = 0;
    this.#arena = new Uint8Array(ARENA_BYTES);
    this.#arenaView = new DataView(this.#arena.buffer);
    this.#arenaUsed = 0;
    this.#rowsUsed = 0;
  }

  /**
   * Whether the value [start, end) of `view` was seen under `key`; if so its verdict is in `slot`.
   * Values the cache does not take (too short or too long) are never found.
   */
  find(view: DataView, start: number, end: number, key: string): boolean {
    const length = end - start;
    if (length < CACHED_VALUE_MIN || length > CACHED_VALUE_MAX) {
      this.slot = -1;
      return false;
    }
    // A multiplicative hash of the words, the last one overlapping, seeded with the key's shape.
    let hash = Math.imul(length ^ (key.length << 8) ^ (key.length === 0 ? 0 : key.charCodeAt(key.length - 1) << 16), 0x9e3779b1);
    const last = end - 4;
    for (let i = start; i < last; i += 4) hash = Math.imul(hash ^ view.getInt32(i, true), 0x9e3779b1);
    hash = Math.imul(hash ^ view.getInt32(last, true), 0x9e3779b1);
    const slot = hash >>> (32 - SLOT_BITS);
    this.slot = slot;
    return this.#length[slot] === length && this.#keys[slot] === key && sameWords(this.#arenaView, this.#at[slot], view, start, length);
  }

  /** The verdict in `slot`: replacement rows [fromOf, toOf) (none: clean). */
  fromOf(slot: number): number {
    return this.#from[slot];
  }

  toOf(slot: number): number {
    return this.#to[slot];
  }

  serialOf(slot: number): number {
    return this.#serial[slot];
  }

  /** Whether `slot` still holds the entry that had `serial`. */
  holds(slot: number, serial: number): boolean {
    return this.#serial[slot] === serial && this.#length[slot] >= 0;
  }

  fieldOf(slot: number): Uint8Array | null {
    return this.#fields[slot];
  }

  keepField(slot: number, field: Uint8Array): void {
    this.#fields[slot] = field;
  }

  /**
   * Keeps the verdict of the value [start, end) of `view` under `key`, which find() just missed: clean
   * when `count` is 0, else the first `count` matches of `matches` with their edit kinds and
   * arguments (an argument of kind tokenKind indexes `tokenBytes`). Returns its slot, or -1 when
   * the cache does not take the value.
   */
  add(view: DataView, start: number, end: number, key: string, matches: MatchBuffer, count: number, kinds: Int32Array, args: Int32Array, tokenBytes: readonly Uint8Array[]): number {
    const slot = this.slot;
    if (slot < 0) return -1;
    const length = end - start;
    if (this.#arenaUsed + length > ARENA_BYTES || this.#rowsUsed + count > ROWS) this.#clear();
    const at = this.#arenaUsed;
    // A word at a time, the last one overlapping (length ≥ 4): no view of the request is made.
    const arena = this.#arenaView;
    const last = length - 4;
    for (let i = 0; i < last; i += 4) arena.setInt32(at + i, view.getInt32(start + i));
    arena.setInt32(at + last, view.getInt32(start + last));
    this.#arenaUsed += length;
    const from = this.#rowsUsed;
    for (let i = 0; i < count; i++) {
      const row = this.#rowsUsed++;
      this.starts[row] = matches.starts[i] - start;
      this.ends[row] = matches.ends[i] - start;
      this.detectors[row] = matches.detectors[i];
      const kind = kinds[i];
      this.kinds[row] = kind;
      this.args[row] = kind === this.#tokenKind ? this.tokens.push(tokenBytes[args[i]]) - 1 : args[i];
    }
    this.#keys[slot] = key;
    this.#at[slot] = at;
    this.#length[slot] = length;
    this.#from[slot] = from;
    this.#to[slot] = this.#rowsUsed;
    this.#serial[slot] = ++this.#serials;
    this.#fields[slot] = null;
    return slot;
  }

  #clear(): void {
    this.#length.fill(-1);
    this.#fields.fill(null);
    this.#arenaUsed = 0;
    this.#rowsUsed = 0;
    this.tokens.length = 0;
  }
}

/** Whether a[aStart, aStart + length) and b[bStart, bStart + length) (DataViews; length ≥ 4) hold the same bytes. */
export function sameWords(a: DataView, aStart: number, b: DataView, bStart: number, length: number): boolean {
  const last = length - 4;
  for (let i = 0; i < last; i += 4) if (a.getInt32(aStart + i) !== b.getInt32(bStart + i)) return false;
  return a.getInt32(aStart + last) === b.getInt32(bStart + last);
}
