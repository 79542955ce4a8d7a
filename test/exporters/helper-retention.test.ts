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
import { expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { PersistentExportQueue } from '../../src/extensions/file_storage/persistent-export-queue.ts';
import type { ExportQueue } from '../../src/core/storage.ts';
import { PersistentQueue } from '../../src/extensions/file_storage/disk-queue/index.ts';
import { testHelper } from './helper-fixtures.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const MiB = 1 << 20;
const BATCHES = 4;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const arrayBufferBytes = () => process.memoryUsage().arrayBuffers;

function bigBatch(): Batch {
  // 1 MiB each: large enough to measure, small enough not to provoke a mark-compact by itself.
  return Batch.fromBytes('traces', new Uint8Array(MiB), 1, internalMetadata());
}

const queues: Record<string, (dir: string) => Promise<ExportQueue | undefined>> = {
  memory: async () => undefined,
  persistent: async (dir) => new PersistentExportQueue(await PersistentQueue.open({ directory: dir, maxBytes: 64 * MiB, fsync: 'never', whenFull: 'block' }), 'traces'),
};

test.each(Object.keys(queues))('%s queue: delivered batches are freed by young-generation collections after the consumers waited long enough to be promoted', async (kind) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-retention-'));
  let pushed = 0;
  const helper = testHelper({
    id: 'retention',
    exporter: { push: async () => void pushed++ },
    telemetry: new Telemetry(),
    timeout: 5_000,
    numConsumers: 4,
    queue: await queues[kind](dir),
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
