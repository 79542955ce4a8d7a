import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Two writers appending to one log would interleave records and corrupt it, so a queue
// directory is owned by one process at a time. The lock holds the owner's pid; a lock left by a
// process that no longer exists (kill -9, power loss) is taken over.

const LOCK_FILE = 'LOCK';

export class DirectoryLockedError extends Error {
  readonly code = 'ELOCKED';
  constructor(directory: string, pid: number) {
    super(`queue directory ${directory} is in use by process ${pid}`);
    this.name = 'DirectoryLockedError';
  }
}

export async function acquireDirectoryLock(directory: string): Promise<() => Promise<void>> {
  const path = join(directory, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    // Our own pid means another queue in this process has the directory open.
    if (Number.isInteger(owner) && isAlive(owner)) throw new DirectoryLockedError(directory, owner);
    await unlink(path).catch(() => undefined);
  }
  throw new Error(`could not lock queue directory ${directory}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
