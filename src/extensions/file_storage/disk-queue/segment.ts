import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { WalFile } from './fs-util.ts';

const SEGMENT_NAME = /^wal-(\d{16})\.seg$/;

export function segmentFileName(firstId: number): string {
  return `wal-${String(firstId).padStart(16, '0')}.seg`;
}

/** The first id encoded in a segment's file name, or undefined for files that are not segments. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/**
 * One file of the log. It stays open while it holds records owed to a consumer (reads go to
 * the same handle) and is deleted once it is sealed and every one of its records is resolved.
 */
export class Segment {
  readonly firstId: number;
  readonly path: string;
  readonly file: WalFile;
  #size: number;
  #liveRecords = 0;
  #sealed = false;
  /** Bytes written since the last fdatasync began. */
  #unsynced = false;
  #syncing: Promise<void> | undefined;

  constructor(directory: string, firstId: number, file: WalFile, size: number) {
    this.firstId = firstId;
    this.path = join(directory, segmentFileName(firstId));
    this.file = file;
    this.#size = size;
  }

  /** End of the written data: where the next record goes. */
  get size(): number {
    return this.#size;
  }

  get liveRecords(): number {
    return this.#liveRecords;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  get unsynced(): boolean {
    return this.#unsynced;
  }

  appended(bytes: number, records: number): void {
    this.#size += bytes;
    this.#liveRecords += records;
    this.#unsynced = true;
  }

  /** Forgets records whose write or sync failed; the file was (or should have been) cut back to `size`. */
  rolledBack(size: number, records: number): void {
    this.#size = size;
    this.#liveRecords -= records;
  }

  /** Counts a record found on disk at open. */
  holdReplayed(): void {
    this.#liveRecords++;
  }

  /** Returns true when the segment no longer holds anything and can be deleted. */
  release(): boolean {
    this.#liveRecords--;
    return this.#sealed && this.#liveRecords === 0;
  }

  /** No more appends; returns true when it can be deleted at once. */
  seal(): boolean {
    this.#sealed = true;
    return this.#liveRecords === 0;
  }

  /** fdatasync when anything was written since the last one. Safe to call while appends continue. */
  sync(): Promise<void> {
    if (!this.#unsynced) return this.#syncing ?? Promise.resolve();
    this.#unsynced = false;
    const previous = this.#syncing?.catch(() => undefined) ?? Promise.resolve();
    const syncing = previous
      .then(() => this.file.datasync())
      .catch((error: unknown) => {
        this.#unsynced = true;
        throw error;
      })
      .finally(() => {
        if (this.#syncing === syncing) this.#syncing = undefined;
      });
    this.#syncing = syncing;
    return syncing;
  }

  /** Closes the file (after any sync in progress) and removes it. */
  async delete(): Promise<void> {
    await this.close().catch(() => undefined);
    await unlink(this.path);
  }

  async close(): Promise<void> {
    await this.#syncing?.catch(() => undefined);
    await this.file.close();
  }
}
