import { afterEach, beforeEach, expect, test } from 'vitest';
import { drainAvailable, makeTempDir, openQueue, removeDir, segmentBytesOnDisk, segmentFiles, textOf } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const RECORD_OVERHEAD = 30;
const payload = (i: number) => new TextEncoder().encode(`p${String(i).padStart(69, '0')}`); // 70 bytes → 100 on disk

test('block: a full queue refuses at once, counts no drop, and accepts again after an ack', async () => {
  const queue = await openQueue(dir, { maxBytes: 300, whenFull: 'block' });
  for (let i = 0; i < 3; i++) expect((await queue.enqueue(payload(i), { items: 1 })).ok).toBe(true);
  expect(queue.stats.bytes).toBe(300);
  expect(await queue.enqueue(payload(3), { items: 1 })).toEqual({ ok: false, reason: 'full' });
  expect(queue.stats).toMatchObject({ droppedNewest: 0, droppedOldest: 0, records: 3 });
  queue.ack((await queue.take())!);
  expect((await queue.enqueue(payload(3), { items: 1 })).ok).toBe(true);
  await queue.close();
});

test('drop_newest: the new record is refused and counted', async () => {
  const queue = await openQueue(dir, { maxBytes: 300, whenFull: 'drop_newest' });
  for (let i = 0; i < 3; i++) await queue.enqueue(payload(i), { items: 1 });
  expect(await queue.enqueue(payload(3), { items: 1 })).toEqual({ ok: false, reason: 'dropped' });
  expect(await queue.enqueue(payload(4), { items: 1 })).toEqual({ ok: false, reason: 'dropped' });
  expect(queue.stats.droppedNewest).toBe(2);
  expect((await drainAvailable(queue)).map((r) => textOf(r)[69])).toEqual(['0', '1', '2']);
  await queue.close();
});

test('drop_oldest: the oldest waiting records make room, counted; in-flight ones are spared', async () => {
  const queue = await openQueue(dir, { maxBytes: 300, whenFull: 'drop_oldest' });
  for (let i = 0; i < 3; i++) await queue.enqueue(payload(i), { items: 2 });
  const inFlight = (await queue.take())!; // record 0 is being delivered
  expect(await queue.enqueue(payload(3), { items: 1 })).toEqual({ ok: true, droppedOldest: 1, droppedOldestItems: 2 });
  expect(queue.stats.droppedOldest).toBe(1);
  queue.ack(inFlight);
  expect((await drainAvailable(queue)).map((r) => textOf(r)[69])).toEqual(['2', '3']);
  await queue.close();

  const reopened = await openQueue(dir, { maxBytes: 300, whenFull: 'drop_oldest' });
  expect(reopened.stats.records).toBe(2); // taken but not acked: replays; the dropped one does not
  await reopened.close();
});

test('drop_oldest with everything in flight refuses the new record instead', async () => {
  const queue = await openQueue(dir, { maxBytes: 200, whenFull: 'drop_oldest' });
  for (let i = 0; i < 2; i++) await queue.enqueue(payload(i), { items: 1 });
  await queue.take();
  await queue.take();
  expect(await queue.enqueue(payload(2), { items: 1 })).toEqual({ ok: false, reason: 'dropped' });
  expect(queue.stats).toMatchObject({ droppedNewest: 1, droppedOldest: 0 });
  await queue.close();
});

test('a record larger than max_size is too_large under every policy', async () => {
  const queue = await openQueue(dir, { maxBytes: 100 + RECORD_OVERHEAD - 1, whenFull: 'drop_oldest' });
  expect(await queue.enqueue(new Uint8Array(100), { items: 1 })).toEqual({ ok: false, reason: 'too_large' });
  await queue.close();
});

test('fully acknowledged segments are deleted and disk usage shrinks', async () => {
  const queue = await openQueue(dir, { segmentBytes: 4096 });
  for (let i = 0; i < 200; i++) await queue.enqueue(payload(i), { items: 1 });
  const segmentsBefore = (await segmentFiles(dir)).length;
  const bytesBefore = await segmentBytesOnDisk(dir);
  expect(segmentsBefore).toBeGreaterThan(4);
  expect(queue.stats.diskBytes).toBe(bytesBefore);

  const records = await drainAvailable(queue);
  for (let i = 0; i < 150; i++) queue.ack(records[i]);
  await new Promise((resolve) => setTimeout(resolve, 50)); // deletions are asynchronous
  const bytesAfter = await segmentBytesOnDisk(dir);
  expect(bytesAfter).toBeLessThan(bytesBefore / 2);
  expect(queue.stats.diskBytes).toBe(bytesAfter);
  for (let i = 150; i < 200; i++) queue.ack(records[i]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect((await segmentFiles(dir)).length).toBe(1); // only the active segment remains
  expect(queue.stats).toMatchObject({ records: 0, bytes: 0 });
  await queue.close();
});

test('stats track items, bytes and the oldest enqueue time', async () => {
  const queue = await openQueue(dir);
  const before = Date.now();
  await queue.enqueue(payload(0), { items: 5 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await queue.enqueue(payload(1), { items: 7 });
  expect(queue.stats).toMatchObject({ records: 2, items: 12, bytes: 200 });
  expect(queue.stats.oldestEnqueuedAt).toBeGreaterThanOrEqual(before);
  const first = (await queue.take())!;
  expect(queue.stats.inFlight).toBe(1);
  queue.ack(first);
  expect(queue.stats.oldestEnqueuedAt).toBeGreaterThan(first.enqueuedAt);
  await queue.close();
});
