// A batch the helper has delivered must be collectable by a young-generation collection. At low
// rates a sending-queue consumer parks for seconds, long enough for what it waits on to be
// promoted; if the batch were handed over through that promise, the dead promise would keep the
// batch, and every request body it holds, until the next mark-compact (benchmarks/RESULTS.md,
// "The sending queue pinned every batch until a mark-compact").
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Host } from '../../src/core/component.ts';
import { newOutcome } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { PersistentExportQueue } from '../../src/extensions/file_storage/persistent-export-queue.ts';
import { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import type { ExportQueue } from '../../src/exporters/helper/memory-queue.ts';
import { PersistentQueue } from '../../src/storage/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const MiB = 1 << 20;
const BATCHES = 4;
const host: Host = { getExtension: () => undefined, reportHealth: () => {}, onOverload: () => {}, setOverload: () => {} };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const arrayBufferBytes = () => process.memoryUsage().arrayBuffers;

function bigBatch(): Batch {
  const metadata = { tenant: undefined, principal: undefined, clientAddress: '', headers: {}, receivedAt: 0, transport: 'internal' as const, outcome: newOutcome() };
  // 1 MiB each: large enough to measure, small enough not to provoke a mark-compact by itself.
  return Batch.fromBytes('traces', new Uint8Array(MiB), 1, metadata);
}

const queues: Record<string, (dir: string) => Promise<ExportQueue | undefined>> = {
  memory: async () => undefined,
  persistent: async (dir) => new PersistentExportQueue(await PersistentQueue.open({ directory: dir, maxBytes: 64 * MiB, fsync: 'never', whenFull: 'block' }), 'traces'),
};

test.each(Object.keys(queues))('%s queue: delivered batches are freed by young-generation collections after the consumers waited long enough to be promoted', async (kind) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-retention-'));
  let pushed = 0;
  const helper = new ExporterHelper({
    id: 'retention',
    signal: 'traces',
    exporter: { push: async () => void pushed++ },
    telemetry: new Telemetry(),
    logger: pino({ level: 'silent' }),
    host,
    queue: await queues[kind](dir),
    settings: {
      timeout: 5_000,
      sending_queue: { enabled: true, num_consumers: 4, queue_size: 10, max_size: 64 * MiB, when_full: 'block' },
      retry_on_failure: { enabled: false, initial_interval: 10, randomization_factor: 0, multiplier: 1, max_interval: 10, max_elapsed_time: 100 },
    },
  });
  await helper.start();
  try {
    await nextTurn();
    // Survivors of two young collections are promoted, so the idle consumers' waits are now old.
    // The pinning also needs a mark-compact after that (measured; in a running Sluice the first
    // comes within seconds of start), so the test runs one.
    for (let i = 0; i < 3; i++) gc({ type: 'minor' });
    gc({ type: 'major' });
    const baseline = arrayBufferBytes();
    for (let i = 0; i < BATCHES; i++) await helper.consume(bigBatch());
    while (pushed < BATCHES) await nextTurn();
    await nextTurn();
    expect(arrayBufferBytes() - baseline).toBeGreaterThanOrEqual(BATCHES * MiB);
    for (let i = 0; i < 3; i++) {
      gc({ type: 'minor' });
      await nextTurn();
    }
    expect(arrayBufferBytes() - baseline).toBeLessThan(MiB);
  } finally {
    await helper.shutdown(Date.now());
    await rm(dir, { recursive: true, force: true });
  }
});
