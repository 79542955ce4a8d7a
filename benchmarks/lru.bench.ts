// lru-cache against the bounded maps Sluice has, on their own workloads, in one run:
// - the sampler's decision cache (rings of trace ids in typed arrays, evicting FIFO), fed a
//   stream of trace ids where most are new and some repeat a recent one;
// - a label cap (a Map that refuses new values once full) fed label values of which most are
//   already known.
// Run: node_modules/.bin/node --expose-gc benchmarks/lru.bench.ts
import { LRUCache } from 'lru-cache';
import { DecisionCache } from '../src/processors/adaptive_sampling/decision-cache.ts';
import { newTraceId, readTraceId } from '../src/processors/adaptive_sampling/trace-ids.ts';

const CAPACITY = 100_000;
const OPS = 1_000_000;

// Trace ids as the sampler keys them (32 hex characters); 1 in 8 lookups repeats a recent id.
const ids: string[] = [];
for (let i = 0; i < OPS; i++) {
  const repeat = i > 1000 && (i & 7) === 0;
  ids.push(repeat ? ids[i - 1 - (i % 997)] : (i * 2654435761).toString(16).padStart(16, '0').repeat(2));
}

// The same ids as the sampler holds them: 16 bytes, read into words (trace-ids.ts).
const words = new Int32Array(5 * OPS);
for (let i = 0; i < OPS; i++) {
  const id = newTraceId();
  readTraceId(Buffer.from(ids[i], 'hex'), 0, 16, id);
  words.set(id, 5 * i);
}

/** The sampler's decision-cache surface by op index, so both variants run through one driver. */
interface Decisions {
  kept(i: number): unknown;
  wasDropped(i: number): boolean;
  rememberKept(i: number, record: never): void;
  rememberDropped(i: number): void;
}

class LruDecisions implements Decisions {
  readonly #kept = new LRUCache<string, object>({ max: CAPACITY });
  readonly #dropped = new LRUCache<string, true>({ max: CAPACITY });
  kept(i: number): unknown {
    return this.#kept.get(ids[i]);
  }
  wasDropped(i: number): boolean {
    return this.#dropped.has(ids[i]);
  }
  rememberKept(i: number, record: never): void {
    this.#kept.set(ids[i], record);
  }
  rememberDropped(i: number): void {
    this.#dropped.set(ids[i], true);
  }
}

class SamplerDecisions implements Decisions {
  readonly #cache = new DecisionCache(CAPACITY);
  readonly #id = newTraceId();
  #at(i: number) {
    const id = this.#id;
    for (let k = 0; k < 5; k++) id[k] = words[5 * i + k];
    return id;
  }
  kept(i: number): unknown {
    return this.#cache.kept(this.#at(i));
  }
  wasDropped(i: number): boolean {
    return this.#cache.wasDropped(this.#at(i));
  }
  rememberKept(i: number, record: never): void {
    this.#cache.rememberKept(this.#at(i), record);
  }
  rememberDropped(i: number): void {
    this.#cache.rememberDropped(this.#at(i));
  }
}

function decide(cache: Decisions): number {
  const record = { probability: 1, reason: 'probabilistic', th: '0' } as never;
  let hits = 0;
  for (let i = 0; i < OPS; i++) {
    const id = i;
    if (cache.kept(id) !== undefined || cache.wasDropped(id)) {
      hits++;
      continue;
    }
    if ((i & 15) === 0) cache.rememberKept(id, record);
    else cache.rememberDropped(id);
  }
  return hits;
}

// Label values: a cap of 1000 per key; 95% of values are among the first 900 seen.
const LABEL_LIMIT = 1000;
const values: string[] = [];
for (let i = 0; i < OPS; i++) values.push(i % 20 === 0 ? `user-${i}` : `user-${i % 900}`);

/** Admits a value while it is known or there is room; the rest are refused. */
function cap(seen: { get(value: string): number | undefined; set(value: string, at: number): unknown; readonly size: number }): number {
  let refused = 0;
  for (let i = 0; i < OPS; i++) {
    const value = values[i];
    if (seen.get(value) !== undefined || seen.size < LABEL_LIMIT) seen.set(value, i);
    else refused++;
  }
  return refused;
}

// Variants interleave round by round and report their median, so a noisy moment hits both alike.
function compare(title: string, variants: Record<string, () => number>, rounds = 7): void {
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) variants[name]();
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      (globalThis as { gc?: () => void }).gc?.();
      const started = process.hrtime.bigint();
      variants[name]();
      times[name].push(Number(process.hrtime.bigint() - started) / OPS);
    }
  }
  console.log(title);
  const medians = names.map((name) => times[name].sort((a, b) => a - b)[rounds >> 1]);
  names.forEach((name, i) => console.log(`  ${name.padEnd(40)} ${medians[i].toFixed(1).padStart(7)} ns/op  ${(medians[i] / medians[0]).toFixed(2)}× baseline`));
}

compare(`decision cache, ${CAPACITY.toLocaleString('en-US')} entries per map, ${OPS.toLocaleString('en-US')} lookups`, {
  'typed-array rings (baseline, in use)': () => decide(new SamplerDecisions()),
  'lru-cache LRUCache': () => decide(new LruDecisions()),
});
compare(`label cap, ${LABEL_LIMIT} values`, {
  'Map with a size check (baseline, in use)': () => cap(new Map<string, number>()),
  // An LRU cap is not the same rule (it would evict a quiet value to admit a new one); measured for cost only.
  'lru-cache LRUCache': () => cap(new LRUCache<string, number>({ max: LABEL_LIMIT })),
});
