import { hashString } from '../../otlp/proto/partition.ts';

/** Points per backend on the ring: enough that each backend's share is within a few % of 1/N. */
const POINTS_PER_BACKEND = 256;
const SLOT_BITS = 16;
const SLOTS = 1 << SLOT_BITS;

/**
 * A consistent-hash ring compiled into a 65,536-slot table, so routing a key is one shift and one
 * array read however many backends there are. Each backend owns the arcs before its points, so
 * adding or removing one of N backends moves only the keys of the arcs it gains or loses: about
 * 1/N of them. The ring depends only on the set of endpoints, never on their order, so every
 * load-balancing instance with the same set agrees on every key.
 */
export class HashRing {
  /** Sorted and unique. */
  readonly endpoints: readonly string[];
  readonly #table: Uint16Array;

  constructor(endpoints: Iterable<string>) {
    this.endpoints = [...new Set(endpoints)].sort();
    if (this.endpoints.length > 0xffff) throw new Error('at most 65535 backends');
    this.#table = new Uint16Array(SLOTS);
    const n = this.endpoints.length;
    if (n <= 1) return;
    const points = new Float64Array(n * POINTS_PER_BACKEND);
    for (let b = 0; b < n; b++) {
      for (let v = 0; v < POINTS_PER_BACKEND; v++) {
        // Position in the high bits, owner in the low 16: one sorted array carries both.
        points[b * POINTS_PER_BACKEND + v] = hashString(`${this.endpoints[b]}#${v}`) * 65536 + b;
      }
    }
    points.sort();
    // Each slot goes to the first point at or after the slot's start, wrapping at the top.
    let p = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      const position = slot * 2 ** (32 - SLOT_BITS);
      while (p < points.length && Math.floor(points[p] / 65536) < position) p++;
      const point = p < points.length ? points[p] : points[0];
      this.#table[slot] = point % 65536;
    }
  }

  get size(): number {
    return this.endpoints.length;
  }

  /** The owner's index in `endpoints` for a 32-bit key hash. */
  ownerOf(hash: number): number {
    return this.#table[hash >>> (32 - SLOT_BITS)];
  }
}
