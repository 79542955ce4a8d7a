import { open } from 'node:fs/promises';

/** The file-handle operations the write-ahead log needs; node's FileHandle satisfies it. */
export interface WalFile {
  writev(buffers: readonly NodeJS.ArrayBufferView[], position?: number): Promise<{ bytesWritten: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  truncate(length?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens segment files. The default is node's `fs.promises.open`; tests pass a wrapper that
 * injects ENOSPC or EIO, since running as root makes permission tricks useless.
 */
export type WalFileOpener = (path: string, flags: 'r+' | 'wx+') => Promise<WalFile>;

export const defaultFileOpener: WalFileOpener = (path, flags) => open(path, flags);

/** Makes a created, renamed or deleted directory entry durable (Linux needs the directory fsynced). */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
