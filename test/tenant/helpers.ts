import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReloadLogLevel } from '../../src/common/watched-file.ts';

export interface LogLine {
  level: ReloadLogLevel;
  message: string;
  fields: Record<string, unknown>;
}

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tenant-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function collectLogs(): { lines: LogLine[]; log: (level: ReloadLogLevel, message: string, fields: Record<string, unknown>) => void } {
  const lines: LogLine[] = [];
  return { lines, log: (level, message, fields) => lines.push({ level, message, fields }) };
}

/** Saves the way editors do: write a sibling temp file, then rename it over the target. */
export async function saveByRename(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.hrtime.bigint()}`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/** Polls `predicate` until true or the bound passes; returns whether it became true. */
export async function eventually(predicate: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return predicate();
}
