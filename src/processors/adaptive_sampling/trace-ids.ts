// Trace ids as numbers, for the sampler's tables (trace-table.ts, decision-cache.ts): an id is
// four int32 words and a length, never a string, so a buffered or remembered trace costs no
// object in the JS heap. At saturation every per-trace string and Map entry lived for the
// buffer's residence and was promoted, then collected by mark-compacts.
//
// An id of up to 16 bytes is held right-aligned in 16 zero-padded bytes, with its length beside
// them, so ids of different lengths never compare equal and the low 56 bits are the id's last
// seven bytes, as for a trace key string (sampling-threshold.ts keyRandomnessHi/Lo). The
// receiver refuses any trace id other than 16 bytes or empty (proto/scan.ts); longer ids reach
// the sampler only from a caller that skipped the scan, and are decided alone (sampler.ts).

export const MAX_ID_BYTES = 16;

/** Scratch for one id: words 0..3 (big-endian, right-aligned), then the length at index 4. */
export type TraceId = Int32Array;

export function newTraceId(): TraceId {
  return new Int32Array(5);
}

/** Reads the id at u8[start, start + length) into `id`; false (id untouched) when longer than 16 bytes. */
export function readTraceId(u8: Uint8Array, start: number, length: number, id: TraceId): boolean {
  if (length === 16) {
    id[0] = (u8[start] << 24) | (u8[start + 1] << 16) | (u8[start + 2] << 8) | u8[start + 3];
    id[1] = (u8[start + 4] << 24) | (u8[start + 5] << 16) | (u8[start + 6] << 8) | u8[start + 7];
    id[2] = (u8[start + 8] << 24) | (u8[start + 9] << 16) | (u8[start + 10] << 8) | u8[start + 11];
    id[3] = (u8[start + 12] << 24) | (u8[start + 13] << 16) | (u8[start + 14] << 8) | u8[start + 15];
    id[4] = 16;
    return true;
  }
  if (length > MAX_ID_BYTES) return false;
  id[0] = id[1] = id[2] = id[3] = 0;
  // Byte i of the id lands at byte (16 - length + i) of the padded form.
  for (let i = 0; i < length; i++) {
    const at = MAX_ID_BYTES - length + i;
    id[at >> 2] |= u8[start + i] << (24 - 8 * (at & 3));
  }
  id[4] = length;
  return true;
}

/** The id in a trace key string (one Latin-1 character per byte, trace-hash.ts); false when longer than 16 bytes. */
export function traceIdOfKey(key: string, id: TraceId): boolean {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i) & 0xff;
  return readTraceId(bytes, 0, bytes.length, id);
}

/** The trace key string (trace-hash.ts) of the id in words w[at..at+3] with length `length`. */
export function keyOfWords(w: Int32Array, at: number, length: number): string {
  let key = '';
  for (let i = MAX_ID_BYTES - length; i < MAX_ID_BYTES; i++) key += String.fromCharCode((w[at + (i >> 2)] >>> (24 - 8 * (i & 3))) & 0xff);
  return key;
}

/** A 32-bit hash of an id (murmur3's finalizer over the words folded together). */
export function idHash(w0: number, w1: number, w2: number, w3: number, length: number): number {
  let h = w3 ^ Math.imul(w2, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w0, 0xc2b2ae35) ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Fields of an IdIndex row: the id's four words, its length (-1: the row holds no id) and the hash chain's link. */
export const ID_LENGTH = 4;
const ID_NEXT = 5;
/** The first row field an IdIndex's owner may use. */
export const ID_FIELDS = 6;

/**
 * Rows of int32s holding ids, with a chained hash index over them. A row is `stride` int32s:
 * the id and its chain link first (ID_FIELDS), then whatever the owner keeps per id, so that
 * finding an id and reading what goes with it touch one cache line, not one per column. The
 * owner decides which row an id goes to (a free list, a ring) and when to grow; this keeps the
 * ids and the index.
 */
export class IdIndex {
  readonly stride: number;
  rows: Int32Array;
  #heads: Int32Array;
  #mask: number;
  #capacity: number;

  constructor(capacity: number, stride: number) {
    this.stride = stride;
    this.#capacity = capacity;
    this.rows = emptyRows(capacity, stride);
    const buckets = bucketsFor(capacity);
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#mask = buckets - 1;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The row holding `id`, or -1. */
  find(id: TraceId): number {
    const w0 = id[0];
    const w1 = id[1];
    const w2 = id[2];
    const w3 = id[3];
    const n = id[4];
    const rows = this.rows;
    const stride = this.stride;
    for (let s = this.#heads[idHash(w0, w1, w2, w3, n) & this.#mask]; s >= 0; ) {
      const at = s * stride;
      if (rows[at + 3] === w3 && rows[at + 2] === w2 && rows[at + 1] === w1 && rows[at] === w0 && rows[at + ID_LENGTH] === n) return s;
      s = rows[at + ID_NEXT];
    }
    return -1;
  }

  /** Whether row s holds `id`. */
  holds(s: number, id: TraceId): boolean {
    const at = s * this.stride;
    const rows = this.rows;
    return rows[at + 3] === id[3] && rows[at + 2] === id[2] && rows[at + 1] === id[1] && rows[at] === id[0] && rows[at + ID_LENGTH] === id[4];
  }

  /** Puts `id` in row s (which must hold none) and indexes it. */
  insert(s: number, id: TraceId): void {
    const at = s * this.stride;
    const rows = this.rows;
    rows[at] = id[0];
    rows[at + 1] = id[1];
    rows[at + 2] = id[2];
    rows[at + 3] = id[3];
    rows[at + ID_LENGTH] = id[4];
    this.#link(s);
  }

  /** Copies row s's id into `id`. */
  idOf(s: number, id: TraceId): void {
    const at = s * this.stride;
    const rows = this.rows;
    id[0] = rows[at];
    id[1] = rows[at + 1];
    id[2] = rows[at + 2];
    id[3] = rows[at + 3];
    id[4] = rows[at + ID_LENGTH];
  }

  /** Takes row s's id out of the index (the row's other fields stay). */
  remove(s: number): void {
    const stride = this.stride;
    const rows = this.rows;
    const at = s * stride;
    if (rows[at + ID_LENGTH] < 0) return;
    const b = idHash(rows[at], rows[at + 1], rows[at + 2], rows[at + 3], rows[at + ID_LENGTH]) & this.#mask;
    let i = this.#heads[b];
    if (i === s) {
      this.#heads[b] = rows[at + ID_NEXT];
    } else {
      while (i >= 0 && rows[i * stride + ID_NEXT] !== s) i = rows[i * stride + ID_NEXT];
      if (i >= 0) rows[i * stride + ID_NEXT] = rows[at + ID_NEXT];
    }
    rows[at + ID_LENGTH] = -1;
  }

  /** Grows to `capacity` rows, keeping every row and its place in the index. */
  grow(capacity: number): void {
    const rows = emptyRows(capacity, this.stride);
    rows.set(this.rows);
    this.rows = rows;
    this.#capacity = capacity;
    const buckets = bucketsFor(capacity);
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#mask = buckets - 1;
    const stride = this.stride;
    for (let s = 0; s < capacity; s++) if (rows[s * stride + ID_LENGTH] >= 0) this.#link(s);
  }

  #link(s: number): void {
    const rows = this.rows;
    const at = s * this.stride;
    const b = idHash(rows[at], rows[at + 1], rows[at + 2], rows[at + 3], rows[at + ID_LENGTH]) & this.#mask;
    rows[at + ID_NEXT] = this.#heads[b];
    this.#heads[b] = s;
  }
}

/** Rows holding no id. */
function emptyRows(capacity: number, stride: number): Int32Array<ArrayBuffer> {
  const rows = new Int32Array(capacity * stride);
  for (let s = 0; s < capacity; s++) rows[s * stride + ID_LENGTH] = -1;
  return rows;
}

/** Twice the rows, a power of two: chains stay about one long. */
function bucketsFor(capacity: number): number {
  let n = 16;
  while (n < 2 * capacity) n *= 2;
  return n;
}
