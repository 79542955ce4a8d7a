import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PersistentQueue } from '../../src/extensions/file_storage/disk-queue/index.ts';
import type { QueueRecord } from '../../src/extensions/file_storage/disk-queue/index.ts';
import { drainAvailable, makeTempDir, openQueue, payloadOf, removeDir, textOf } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('PersistentQueue round trip', () => {
  test('enqueue, take and ack preserve payload, metadata and order', async () => {
    const queue = await openQueue(dir);
    for (let i = 0; i < 100; i++) {
      const result = await queue.enqueue(payloadOf(`record-${i}`), { items: i + 1, tenant: i % 2 === 0 ? 'acme' : undefined });
      expect(result).toEqual({ ok: true, droppedOldest: 0, droppedOldestItems: 0 });
    }
    expect(queue.stats.records).toBe(100);
    expect(queue.stats.items).toBe((100 * 101) / 2);
    for (let i = 0; i < 100; i++) {
      const record = (await queue.take())!;
      expect(textOf(record)).toBe(`record-${i}`);
      expect(record.items).toBe(i + 1);
      expect(record.tenant).toBe(i % 2 === 0 ? 'acme' : undefined);
      expect(record.enqueuedAt).toBeGreaterThan(Date.now() - 60_000);
      queue.ack(record);
    }
    expect(queue.stats).toMatchObject({ records: 0, items: 0, bytes: 0, inFlight: 0, oldestEnqueuedAt: undefined });
    await queue.close();
  });

  test('records survive close and reopen, with their metadata', async () => {
    const first = await openQueue(dir, { fsync: 'always' });
    await first.enqueue(payloadOf('kept'), { items: 7, tenant: 'tenant-ä' });
    const enqueuedAt = first.stats.oldestEnqueuedAt;
    await first.close();
    const second = await openQueue(dir);
    expect(second.stats.replayedRecords).toBe(1);
    expect(second.stats.oldestEnqueuedAt).toBe(enqueuedAt);
    const record = (await second.take())!;
    expect(textOf(record)).toBe('kept');
    expect(record).toMatchObject({ items: 7, tenant: 'tenant-ä', enqueuedAt });
    await second.close();
  });

  test('N concurrent consumers each get distinct records and together get all of them', async () => {
    const queue = await openQueue(dir, { fsync: { intervalMs: 10 } });
    const seen: string[] = [];
    const consumers = Array.from({ length: 4 }, async () => {
      for (;;) {
        const record = await queue.take();
        if (record === undefined) return;
        seen.push(textOf(record));
        await new Promise((resolve) => setImmediate(resolve));
        queue.ack(record);
      }
    });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) writes.push(queue.enqueue(payloadOf(`r${i}`), { items: 1 }));
    await Promise.all(writes);
    while (queue.stats.records > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.close();
    await Promise.all(consumers);
    expect(seen.length).toBe(500);
    expect(new Set(seen).size).toBe(500);
  });

  test('out-of-order acks then reopen: exactly the unacked records replay, in order', async () => {
    const first = await openQueue(dir);
    for (let i = 0; i < 20; i++) await first.enqueue(payloadOf(`r${i}`), { items: 1 });
    const taken: QueueRecord[] = [];
    for (let i = 0; i < 20; i++) taken.push((await first.take())!);
    const unacked = new Set([0, 3, 4, 11, 19]);
    // Ack from the end backwards so the contiguous floor cannot advance until the very end.
    for (let i = 19; i >= 0; i--) if (!unacked.has(i)) first.ack(taken[i]);
    await first.close();

    const second = await openQueue(dir);
    expect(second.stats.replayedRecords).toBe(unacked.size);
    const replayed = (await drainAvailable(second)).map(textOf);
    expect(replayed).toEqual([...unacked].map((i) => `r${i}`));
    await second.close();
  });

  test('nack returns a record ahead of newer ones', async () => {
    const queue = await openQueue(dir);
    for (let i = 0; i < 5; i++) await queue.enqueue(payloadOf(`r${i}`), { items: 1 });
    const r0 = (await queue.take())!;
    const r1 = (await queue.take())!;
    queue.nack(r1);
    queue.nack(r0);
    const order = (await drainAvailable(queue)).map(textOf);
    expect(order).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    await queue.close();
  });

  test('a nacked record that is never acked replays after reopen', async () => {
    const first = await openQueue(dir);
    await first.enqueue(payloadOf('retry-me'), { items: 1 });
    first.nack((await first.take())!);
    await first.close();
    const second = await openQueue(dir);
    expect((await drainAvailable(second)).map(textOf)).toEqual(['retry-me']);
    await second.close();
  });

  test('take waits for a record, and resolves undefined on abort and on close', async () => {
    const queue = await openQueue(dir);
    const waiting = queue.take();
    await queue.enqueue(payloadOf('late'), { items: 1 });
    expect(textOf((await waiting)!)).toBe('late');

    const controller = new AbortController();
    const aborted = queue.take(controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();

    const closing = queue.take();
    await queue.close();
    expect(await closing).toBeUndefined();
    expect(await queue.take()).toBeUndefined();
    expect(await queue.enqueue(payloadOf('x'), { items: 1 })).toEqual({ ok: false, reason: 'closed' });
    await queue.close();
  });

  test('payloads beyond the memory cache are read back from disk intact', async () => {
    const queue = await openQueue(dir, { cacheBytes: 0, segmentBytes: 8192 });
    const big = new Uint8Array(3000).map((_, i) => i % 251);
    for (let i = 0; i < 10; i++) await queue.enqueue(big, { items: i });
    for (let i = 0; i < 10; i++) {
      const record = (await queue.take())!;
      expect(record.items).toBe(i);
      expect(Buffer.from(record.payload).equals(Buffer.from(big))).toBe(true);
      queue.ack(record);
    }
    await queue.close();
  });

  test('a second open of the same directory is refused while the first is open', async () => {
    const queue = await openQueue(dir);
    await expect(openQueue(dir)).rejects.toMatchObject({ code: 'ELOCKED' });
    await queue.close();
    const again = await openQueue(dir);
    await again.close();
  });

  test('ids keep rising across reopen even when every segment was deleted', async () => {
    const first = await openQueue(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 50; i++) await first.enqueue(new Uint8Array(500), { items: 1 });
    let lastId = -1;
    for (const record of await drainAvailable(first)) {
      lastId = record.id;
      first.ack(record);
    }
    await first.close();
    const second = await openQueue(dir, { segmentBytes: 4096 });
    await second.enqueue(payloadOf('new'), { items: 1 });
    const record = (await second.take())!;
    expect(record.id).toBeGreaterThan(lastId);
    await second.close();
    // The new record was not acked, so a third open must still replay it.
    const third = await openQueue(dir, { segmentBytes: 4096 });
    expect((await drainAvailable(third)).map(textOf)).toEqual(['new']);
    await third.close();
  });

  test('rejects invalid options', async () => {
    await expect(PersistentQueue.open({ directory: dir, maxBytes: 0, fsync: 'never', whenFull: 'block' })).rejects.toThrow(/maxBytes/);
  });
});
