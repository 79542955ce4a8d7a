import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistentQueue } from '../../src/extensions/file_storage/disk-queue/index.ts';
import type { PersistentQueueOptions, QueueRecord, WalFile, WalFileOpener } from '../../src/extensions/file_storage/disk-queue/index.ts';

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

/** Real files whose operations fail on demand, as a full or failing disk would make them. */
export class FaultyDisk {
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
