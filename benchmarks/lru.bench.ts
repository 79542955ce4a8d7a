// lru-cache against the bounded maps Sluice has, on their own workloads, in one run:
// - the sampler's decision cache (a Map or Set evicting FIFO through a ring of keys), fed a
//   stream of trace ids where most are new and some repeat a recent one;
// - a label cap (a Map that refuses new values once full) fed label values of which most are
//   already known.
// Run: node_modules/.bin/node --expose-gc benchmarks/lru.bench.ts
import { LRUCache } from 'lru-cache';
import { DecisionCache } from '../src/processors/adaptive_sampling/decision-cache.ts';

const CAPACITY = 100_000;
const OPS = 1_000_000;

// Trace ids as the sampler keys them (32 hex characters); 1 in 8 lookups repeats a recent id.
const ids: string[] = [];
for (let i = 0; i < OPS; i++) {
  const repeat = i > 1000 && (i & 7) === 0;
  ids.push(repeat ? ids[i - 1 - (i % 997)] : (i * 2654435761).toString(16).padStart(16, '0').repeat(2));
}

function decisionMap(): number {
  const cache = new DecisionCache(CAPACITY);
  const record = { rate: 1, reason: 'probabilistic' } as never;
  let hits = 0;
  for (let i = 0; i < OPS; i++) {
    const id = ids[i];
    if (cache.kept(id) !== undefined || cache.wasDropped(id)) {
      hits++;
      continue;
    }
    if ((i & 15) === 0) cache.rememberKept(id, record);
    else cache.rememberDropped(id);
  }
  return hits;
}

function decisionLru(): number {
  const kept = new LRUCache<string, object>({ max: CAPACITY });
  const dropped = new LRUCache<string, true>({ max: CAPACITY });
  const record = { rate: 1 };
  let hits = 0;
  for (let i = 0; i < OPS; i++) {
    const id = ids[i];
    if (kept.get(id) !== undefined || dropped.has(id)) {
      hits++;
      continue;
    }
    if ((i & 15) === 0) kept.set(id, record);
    else dropped.set(id, true);
  }
  return hits;
}

// Label values: a cap of 1000 per key; 95% of values are among the first 900 seen.
const LABEL_LIMIT = 1000;
const values: string[] = [];
for (let i = 0; i < OPS; i++) values.push(i % 20 === 0 ? `user-${i}` : `user-${i % 900}`);

function capMap(): number {
  const seen = new Map<string, number>();
  let refused = 0;
  for (let i = 0; i < OPS; i++) {
    const value = values[i];
    if (seen.get(value) !== undefined || seen.size < LABEL_LIMIT) seen.set(value, i);
    else refused++;
  }
  return refused;
}

function capLru(): number {
  // An LRU cap is not the same rule (it would evict a quiet value to admit a new one); measured for cost only.
  const seen = new LRUCache<string, number>({ max: LABEL_LIMIT });
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
  'Map/Set + FIFO ring (baseline, in use)': decisionMap,
  'lru-cache LRUCache': decisionLru,
});
compare(`label cap, ${LABEL_LIMIT} values`, {
  'Map with a size check (baseline, in use)': capMap,
  'lru-cache LRUCache': capLru,
});
