// Throughput of enqueue → take → ack through the persistent queue, against in-memory baselines
// in the same run: a plain array queue (no copy) and one that copies each payload, as the
// persistent queue must when it encodes a record.
//
//   node_modules/.bin/node benchmarks/queue.bench.ts [--quick]
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistentQueue } from '../src/extensions/file_storage/disk-queue/index.ts';
import type { FsyncPolicy } from '../src/extensions/file_storage/disk-queue/index.ts';

interface BenchRecord {
  payload: Uint8Array;
}

interface BenchQueue {
  enqueue(payload: Uint8Array): Promise<boolean>;
  take(): Promise<BenchRecord | undefined>;
  ack(record: BenchRecord): void;
  close(): Promise<void>;
}

/** The trivial baseline: an array, waiters for an empty queue, no copy. */
class ArrayQueue implements BenchQueue {
  readonly #items: BenchRecord[] = [];
  #head = 0;
  readonly #waiters: Array<(record: BenchRecord | undefined) => void> = [];
  readonly #copy: boolean;
  #closed = false;

  constructor(copy: boolean) {
    this.#copy = copy;
  }

  enqueue(payload: Uint8Array): Promise<boolean> {
    const record = { payload: this.#copy ? Uint8Array.prototype.slice.call(payload) : payload };
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(record);
    else this.#items.push(record);
    return Promise.resolve(true);
  }

  take(): Promise<BenchRecord | undefined> {
    if (this.#head < this.#items.length) {
      const record = this.#items[this.#head++];
      if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      return Promise.resolve(record);
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  ack(): void {}

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}

function persistentAdapter(queue: PersistentQueue): BenchQueue {
  return {
    enqueue: async (payload) => (await queue.enqueue(payload, { items: 100, tenant: 'bench' })).ok,
    take: () => queue.take(),
    ack: (record) => queue.ack(record as Parameters<PersistentQueue['ack']>[0]),
    close: () => queue.close(),
  };
}

const CONSUMERS = 4;
const ENQUEUE_WINDOW = 64;

/** Pushes `count` records through with a bounded window of outstanding enqueues; returns seconds. */
async function run(queue: BenchQueue, payload: Uint8Array, count: number): Promise<number> {
  let consumed = 0;
  const { promise: allConsumed, resolve: done } = Promise.withResolvers<void>();
  const consumers = Array.from({ length: CONSUMERS }, async () => {
    for (;;) {
      const record = await queue.take();
      if (record === undefined) return;
      if (record.payload.length !== payload.length) throw new Error('payload mangled');
      queue.ack(record);
      if (++consumed === count) done();
    }
  });
  const start = process.hrtime.bigint();
  let issued = 0;
  const producers = Array.from({ length: ENQUEUE_WINDOW }, async () => {
    while (issued < count) {
      issued++;
      if (!(await queue.enqueue(payload))) throw new Error('enqueue refused');
    }
  });
  await Promise.all(producers);
  await allConsumed;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await queue.close();
  await Promise.all(consumers);
  return seconds;
}

interface Variant {
  name: string;
  make: (dir: string) => Promise<BenchQueue>;
}

const persistent = (fsync: FsyncPolicy) => async (dir: string) =>
  persistentAdapter(await PersistentQueue.open({ directory: dir, maxBytes: 1024 ** 3, fsync, whenFull: 'block' }));

const variants: Variant[] = [
  { name: 'in-memory array (no copy)', make: async () => new ArrayQueue(false) },
  { name: 'in-memory array (copies payload)', make: async () => new ArrayQueue(true) },
  { name: 'persistent, fsync never', make: persistent('never') },
  { name: 'persistent, fsync 100ms', make: persistent({ intervalMs: 100 }) },
  { name: 'persistent, fsync always', make: persistent('always') },
];

/**
 * The disk's ceiling in the same run: sequential 1 MiB writes with an fdatasync every 100 ms,
 * which is what the 100ms policy asks of the disk at best. Returns MB/s.
 */
async function diskCeiling(totalBytes: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-queue-bench-'));
  try {
    const file = await open(join(dir, 'ceiling'), 'w');
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const start = performance.now();
    let lastSync = start;
    for (let written = 0; written < totalBytes; written += chunk.length) {
      await file.write(chunk, 0, chunk.length, written);
      if (performance.now() - lastSync >= 100) {
        await file.datasync();
        lastSync = performance.now();
      }
    }
    await file.datasync();
    const seconds = (performance.now() - start) / 1000;
    await file.close();
    return totalBytes / seconds / 1e6;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const quick = process.argv.includes('--quick');
const sizes = [
  { label: '4 KiB', bytes: 4 * 1024, count: quick ? 5_000 : 40_000 },
  { label: '64 KiB', bytes: 64 * 1024, count: quick ? 500 : 4_000 },
];
const ROUNDS = quick ? 1 : 3;

const ceilings: number[] = [];
for (let round = 0; round < ROUNDS; round++) ceilings.push(await diskCeiling(quick ? 64 * 1024 * 1024 : 256 * 1024 * 1024));
console.log(`disk ceiling (1 MiB writes, fdatasync every 100 ms): best ${Math.max(...ceilings).toFixed(0)} MB/s of ${ROUNDS} rounds\n`);
console.log(`| payload | queue | records/s | MB/s | vs array | vs copying array |`);
console.log(`|---|---|---:|---:|---:|---:|`);
for (const size of sizes) {
  const payload = new Uint8Array(size.bytes).map((_, i) => (i * 31) & 0xff);
  const best = new Map<string, number>();
  // Interleave rounds so background load on the shared cores hits every variant alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const dir = await mkdtemp(join(tmpdir(), 'sluice-queue-bench-'));
      try {
        const seconds = await run(await variant.make(dir), payload, size.count);
        best.set(variant.name, Math.min(best.get(variant.name) ?? Infinity, seconds));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  const rate = (name: string) => size.count / best.get(name)!;
  for (const variant of variants) {
    const perSecond = rate(variant.name);
    const mbPerSecond = (perSecond * size.bytes) / 1e6;
    const vsArray = perSecond / rate(variants[0].name);
    const vsCopy = perSecond / rate(variants[1].name);
    console.log(
      `| ${size.label} | ${variant.name} | ${Math.round(perSecond).toLocaleString('en-US')} | ${mbPerSecond.toFixed(0)} | ${(vsArray * 100).toFixed(0)}% | ${(vsCopy * 100).toFixed(0)}% |`,
    );
  }
}
