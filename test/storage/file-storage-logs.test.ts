// What an operator reading the logs sees from the persistent queue: a full disk is logged at
// error (rate-limited, so a disk that stays full cannot flood the log), and corrupted records
// skipped at open are logged, not only counted.
import { stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { Telemetry } from '../../src/core/telemetry.ts';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { FileStorage } from '../../src/extensions/file_storage/index.ts';
import { fileStorageConfigSchema, queueDirectoryName } from '../../src/extensions/file_storage/disk-queue/index.ts';
import { capturingLogger } from '../exporters/helper-fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { FaultyDisk, makeTempDir, openQueue, payloadOf, removeDir, segmentFiles } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const BOUNDS = { maxBytes: 1 << 20, whenFull: 'block' } as const;
const batch = () => Batch.fromBytes('traces', payloadOf('spans'), 2, internalMetadata());

test('ENOSPC under the persistent queue is logged at error, once per interval, with the count of the rest', async () => {
  const clock = new ManualClock();
  const disk = new FaultyDisk();
  const { logger, lines } = capturingLogger('info');
  const storage = new FileStorage(fileStorageConfigSchema.parse({ directory: dir, fsync: 'always' }), new Telemetry(), logger, { clock, openFile: disk.opener });
  const queue = await storage.openQueue('otlp/backend', 'traces', BOUNDS);
  expect(await queue.offer(batch())).toBe('ok');

  disk.failWrites = 'ENOSPC';
  for (let i = 0; i < 5; i++) expect(await queue.offer(batch())).toBe('error');
  await clock.advance(10_000);
  expect(await queue.offer(batch())).toBe('error');

  const full = lines.filter((line) => line.msg === 'persistent queue: disk full');
  expect(full).toHaveLength(2);
  expect(full[0]).toMatchObject({ level: 50, exporter: 'otlp/backend', data_type: 'traces', operation: 'write', code: 'ENOSPC' });
  expect(full[1]).toMatchObject({ suppressed: 4 });
  await queue.dispose();
});

test('corrupted records skipped at open are logged with their count', async () => {
  const queueDir = join(dir, queueDirectoryName('otlp', 'traces'));
  const writer = await openQueue(queueDir, { fsync: 'always' });
  for (let i = 0; i < 3; i++) await writer.enqueue(payloadOf(`record-${i}-${'x'.repeat(100)}`), { items: 1 });
  await writer.close();
  const [segment] = await segmentFiles(queueDir);
  const path = join(queueDir, segment);
  await truncate(path, (await stat(path)).size - 40);

  const { logger, lines } = capturingLogger('info');
  const storage = new FileStorage(fileStorageConfigSchema.parse({ directory: dir }), new Telemetry(), logger);
  const queue = await storage.openQueue('otlp', 'traces', BOUNDS);
  const warned = lines.filter((line) => line.msg === 'persistent queue: corrupted records found at open were skipped');
  expect(warned).toHaveLength(1);
  expect(warned[0]).toMatchObject({ level: 40, exporter: 'otlp', data_type: 'traces', corrupted_records: 1 });
  await queue.dispose();
});
