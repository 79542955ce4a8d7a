import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { drainAvailable, makeTempDir, openQueue, payloadOf, removeDir, segmentFiles, textOf } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

async function writeRecords(count: number, segmentBytes = 1024 * 1024): Promise<void> {
  const queue = await openQueue(dir, { fsync: 'always', segmentBytes });
  for (let i = 0; i < count; i++) await queue.enqueue(payloadOf(`record-${i}-${'x'.repeat(100)}`), { items: 1 });
  await queue.close();
}

test('a tail truncated mid-record is counted, cut off, and the rest replays', async () => {
  await writeRecords(10);
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment);
  const { size } = await stat(path);
  await truncate(path, size - 40);

  const queue = await openQueue(dir);
  expect(queue.stats.corruptedRecords).toBe(1);
  const replayed = (await drainAvailable(queue)).map((r) => textOf(r).split('-').slice(0, 2).join('-'));
  expect(replayed).toEqual(Array.from({ length: 9 }, (_, i) => `record-${i}`));
  // Appends continue on a clean boundary: the new record survives another reopen.
  await queue.enqueue(payloadOf('after-repair'), { items: 1 });
  await queue.close();

  const again = await openQueue(dir);
  expect(again.stats.corruptedRecords).toBe(0);
  const texts = (await drainAvailable(again)).map(textOf);
  expect(texts.length).toBe(10);
  expect(texts[9]).toBe('after-repair');
  await again.close();
});

test('a flipped byte inside a record costs that record only; records after it replay', async () => {
  await writeRecords(10);
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment);
  const bytes = await readFile(path);
  const recordSize = (bytes.length - 16) / 10;
  bytes[16 + recordSize * 4 + 50] ^= 0xff; // inside record 4's payload
  await writeFile(path, bytes);

  const queue = await openQueue(dir);
  expect(queue.stats.corruptedRecords).toBe(1);
  const replayed = (await drainAvailable(queue)).map((r) => textOf(r).split('-')[1]);
  expect(replayed).toEqual(['0', '1', '2', '3', '5', '6', '7', '8', '9']);
  await queue.close();
});

test('a damaged length field is skipped by resync, and damage in a middle segment spares later segments', async () => {
  await writeRecords(90, 4096); // ~140-byte records: several segments
  const segments = await segmentFiles(dir);
  expect(segments.length).toBeGreaterThan(2);
  const path = join(dir, segments[1]);
  const bytes = await readFile(path);
  bytes.writeUInt32LE(0xfffffff0, 16); // first record's length: implausible
  await writeFile(path, bytes);

  const queue = await openQueue(dir);
  expect(queue.stats.corruptedRecords).toBe(1);
  const replayed = (await drainAvailable(queue)).map((r) => Number(textOf(r).split('-')[1]));
  expect(replayed.length).toBe(89);
  expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
  await queue.close();
});

test('a zero-filled tail (as after a power loss on some file systems) is treated as torn', async () => {
  await writeRecords(5);
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment);
  await writeFile(path, Buffer.concat([await readFile(path), Buffer.alloc(4096)]));
  const queue = await openQueue(dir);
  expect(queue.stats.corruptedRecords).toBe(1);
  expect((await drainAvailable(queue)).length).toBe(5);
  await queue.close();
});

test('an unreadable checkpoint replays everything rather than losing anything', async () => {
  const first = await openQueue(dir);
  for (let i = 0; i < 5; i++) await first.enqueue(payloadOf(`r${i}`), { items: 1 });
  first.ack((await first.take())!);
  await first.close();
  await writeFile(join(dir, 'checkpoint.json'), '{"version":1,"floor":');
  const second = await openQueue(dir);
  expect((await drainAvailable(second)).map(textOf)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  await second.close();
});

test('an empty segment file left by a crash during creation is ignored', async () => {
  await writeRecords(3);
  await writeFile(join(dir, 'wal-0000000000000099.seg'), Buffer.alloc(0));
  const queue = await openQueue(dir);
  expect(queue.stats.corruptedRecords).toBe(0);
  expect((await drainAvailable(queue)).length).toBe(3);
  await queue.enqueue(payloadOf('next'), { items: 1 });
  await queue.close();
});
