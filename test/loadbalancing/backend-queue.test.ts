import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import type { QueueEntry } from '../../src/core/storage.ts';
import { MemoryQueue } from '../../src/exporters/helper/memory-queue.ts';
import { BackendQueue } from '../../src/exporters/loadbalancing/backend-queue.ts';

const batch = (size: number, items: number, tenant?: string) => Batch.fromBytes('traces', new Uint8Array(size).fill(items), items, internalMetadata(tenant));

describe('BackendQueue', () => {
  it('joins waiting entries of one tenant up to the byte bound, and carries the next one over', async () => {
    const queue = new BackendQueue(new MemoryQueue(100), 1000);
    for (const b of [batch(400, 1), batch(400, 2), batch(400, 3), batch(10, 4, 'other')]) expect(await queue.offer(b)).toBe('ok');
    const first = (await queue.poll())!;
    expect(first.batch.itemCount).toBe(3);
    expect(first.batch.byteChunks().map((c) => c[0])).toEqual([1, 2]);
    const second = (await queue.poll())!;
    expect(second.batch.itemCount).toBe(3); // carried over; the next is another tenant's
    const third = (await queue.poll())!;
    expect(third.batch.metadata.tenant).toBe('other');
    expect(await queue.poll()).toBeUndefined();
  });

  it('hands every entry to the drain once retired, the ones the helper released included, and takes nothing more', async () => {
    const queue = new BackendQueue(new MemoryQueue(100), 1000);
    for (let i = 1; i <= 4; i++) await queue.offer(batch(300, i));
    const inFlight = (await queue.poll())!; // a joined send in progress: items 1, 2 and 3
    await queue.retire();
    expect(await queue.offer(batch(10, 9))).toBe('full');
    expect(await queue.poll()).toBeUndefined();
    expect(await queue.whenReady()).toBe(false);
    queue.release(inFlight); // the helper's interrupted send comes back
    const drained: number[] = [];
    await queue.drain(async (entry: QueueEntry) => {
      drained.push(entry.batch.itemCount);
      return true;
    });
    expect(drained.sort()).toEqual([1, 2, 3, 4]);
  });
});
