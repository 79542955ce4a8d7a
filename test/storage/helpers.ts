import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistentQueue } from '../../src/extensions/file_storage/disk-queue/index.ts';
import type { PersistentQueueOptions, QueueRecord } from '../../src/extensions/file_storage/disk-queue/index.ts';

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sluice-queue-test-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function openQueue(directory: string, overrides: Partial<PersistentQueueOptions> = {}): Promise<PersistentQueue> {
  return PersistentQueue.open({ directory, maxBytes: 64 * 1024 * 1024, fsync: 'never', whenFull: 'block', ...overrides });
}

export function payloadOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function textOf(record: QueueRecord): string {
  return new TextDecoder().decode(record.payload);
}

/** Takes every record currently available without waiting for more. */
export async function drainAvailable(queue: PersistentQueue): Promise<QueueRecord[]> {
  const records: QueueRecord[] = [];
  for (;;) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 50);
    const record = await queue.take(controller.signal);
    clearTimeout(timer);
    if (record === undefined) return records;
    records.push(record);
  }
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

export async function segmentBytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const name of await segmentFiles(dir)) total += (await stat(join(dir, name))).size;
  return total;
}
