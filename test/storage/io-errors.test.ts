import { afterEach, beforeEach, expect, test } from 'vitest';
import { drainAvailable, FaultyDisk, makeTempDir, openQueue, payloadOf, removeDir, textOf } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

test('ENOSPC on write: enqueue resolves io_error, nothing throws, earlier records stay readable', async () => {
  const disk = new FaultyDisk();
  const queue = await openQueue(dir, { openFile: disk.opener, fsync: 'always' });
  expect((await queue.enqueue(payloadOf('before'), { items: 1 })).ok).toBe(true);

  disk.failWrites = 'ENOSPC';
  const failed = await queue.enqueue(payloadOf('during'), { items: 3 });
  expect(failed).toMatchObject({ ok: false, reason: 'io_error', error: { code: 'ENOSPC' } });
  expect(queue.stats).toMatchObject({ ioErrors: 1, records: 1, items: 1 });

  // Reads still work while the disk is full.
  const record = (await queue.take())!;
  expect(textOf(record)).toBe('before');
  queue.ack(record);

  disk.failWrites = undefined;
  expect((await queue.enqueue(payloadOf('after'), { items: 1 })).ok).toBe(true);
  await queue.close();

  // The torn bytes of the failed write never reach a reader.
  const reopened = await openQueue(dir);
  expect((await drainAvailable(reopened)).map(textOf)).toEqual(['after']);
  expect(reopened.stats.corruptedRecords).toBe(0);
  await reopened.close();
});

test('EIO on fdatasync with fsync always: the batch fails and is not delivered', async () => {
  const disk = new FaultyDisk();
  const queue = await openQueue(dir, { openFile: disk.opener, fsync: 'always' });
  disk.failSyncs = 'EIO';
  const results = await Promise.all([queue.enqueue(payloadOf('a'), { items: 1 }), queue.enqueue(payloadOf('b'), { items: 1 })]);
  for (const result of results) expect(result).toMatchObject({ ok: false, reason: 'io_error' });
  expect(queue.stats.records).toBe(0);
  disk.failSyncs = undefined;
  expect((await queue.enqueue(payloadOf('c'), { items: 1 })).ok).toBe(true);
  expect((await drainAvailable(queue)).map(textOf)).toEqual(['c']);
  await queue.close();
});

test('cannot create a segment: io_error, and the queue recovers when the disk does', async () => {
  const disk = new FaultyDisk();
  const queue = await openQueue(dir, { openFile: disk.opener, segmentBytes: 4096 });
  disk.failOpens = 'EROFS';
  const result = await queue.enqueue(payloadOf('x'), { items: 1 });
  expect(result).toMatchObject({ ok: false, reason: 'io_error', error: { code: 'EROFS' } });
  disk.failOpens = undefined;
  expect((await queue.enqueue(payloadOf('y'), { items: 1 })).ok).toBe(true);
  await queue.close();
});

test('a read error on take counts the record as unreadable and moves on instead of crashing', async () => {
  const disk = new FaultyDisk();
  const queue = await openQueue(dir, { openFile: disk.opener, cacheBytes: 0 });
  await queue.enqueue(payloadOf('one'), { items: 1 });
  await queue.enqueue(payloadOf('two'), { items: 1 });
  disk.failReads = 'EIO';
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  expect(await queue.take(controller.signal)).toBeUndefined();
  expect(queue.stats).toMatchObject({ ioErrors: 2, corruptedRecords: 2, records: 0 });
  await queue.close();
});
