import { open } from 'node:fs/promises';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { WalFile, WalFileOpener } from '../../src/extensions/file_storage/disk-queue/index.ts';
import { drainAvailable, makeTempDir, openQueue, payloadOf, removeDir, textOf } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/** Real files whose operations fail on demand, as a full or failing disk would make them. */
class FaultyDisk {
  failWrites: string | undefined;
  failSyncs: string | undefined;
  failOpens: string | undefined;
  failReads: string | undefined;

  readonly opener: WalFileOpener = async (path, flags) => {
    if (this.failOpens !== undefined) throw errno(this.failOpens);
    const file = await open(path, flags);
    const faulty: WalFile = {
      writev: async (buffers, position) => {
        if (this.failWrites !== undefined) {
          // A partial write before the failure, as ENOSPC mid-batch leaves behind.
          await file.write(Buffer.from('torn'), 0, 4, position);
          throw errno(this.failWrites);
        }
        return file.writev(buffers, position);
      },
      read: async (buffer, offset, length, position) => {
        if (this.failReads !== undefined) throw errno(this.failReads);
        return file.read(buffer, offset, length, position);
      },
      datasync: async () => {
        if (this.failSyncs !== undefined) throw errno(this.failSyncs);
        return file.datasync();
      },
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
    };
    return faulty;
  };
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

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
