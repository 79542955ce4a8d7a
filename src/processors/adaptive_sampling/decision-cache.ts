import type { DecisionRecord } from './key-rates.ts';

// Remembers recent decisions so spans arriving after them follow them. Kept and dropped traces
// have separate bounds: drops outnumber keeps by the sampling ratio and must not evict them.
// Maps iterate in insertion order, so evicting the first key is FIFO with no extra structure.

export class DecisionCache {
  readonly #capacity: number;
  readonly #kept = new Map<string, DecisionRecord>();
  readonly #dropped = new Set<string>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The kept trace's record, or undefined. */
  kept(key: string): DecisionRecord | undefined {
    return this.#kept.get(key);
  }

  wasDropped(key: string): boolean {
    return this.#dropped.has(key);
  }

  rememberKept(key: string, record: DecisionRecord): void {
    if (this.#capacity === 0) return;
    if (this.#kept.size >= this.#capacity) this.#kept.delete(this.#kept.keys().next().value!);
    this.#kept.set(key, record);
  }

  rememberDropped(key: string): void {
    if (this.#capacity === 0) return;
    if (this.#dropped.size >= this.#capacity) this.#dropped.delete(this.#dropped.values().next().value!);
    this.#dropped.add(key);
  }

  get size(): { kept: number; dropped: number } {
    return { kept: this.#kept.size, dropped: this.#dropped.size };
  }
}
