import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchedFile } from '../../src/common/watched-file.ts';
import { collectLogs, makeTempDir } from './helpers.ts';

describe('WatchedFile', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let file: WatchedFile<number> | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => {
    file?.close();
    await cleanup();
  });

  function parseNumber(text: string): number {
    const n = Number(text.trim());
    if (!Number.isFinite(n)) throw new Error('not a number');
    return n;
  }

  it('detects a change on the poll path alone (stat signature), and ignores an unchanged file', async () => {
    const path = join(dir, 'n.txt');
    await writeFile(path, '1');
    const reloads: number[] = [];
    // No polling timer and a debounce longer than the test: only the explicit poll-path check runs.
    file = await WatchedFile.open({ path, parse: parseNumber, onReload: (v) => reloads.push(v), pollIntervalMs: 0, debounceMs: 60_000, label: 'n' });
    await file.check(false);
    expect(reloads).toEqual([]);
    await writeFile(path, '2');
    await file.check(false);
    expect(file.value).toBe(2);
    expect(reloads).toEqual([2]);
  });

  it('logs a vanished file once, keeps the value, and recovers when it returns', async () => {
    const path = join(dir, 'n.txt');
    await writeFile(path, '1');
    const logs = collectLogs();
    file = await WatchedFile.open({ path, parse: parseNumber, onReload: () => {}, pollIntervalMs: 0, debounceMs: 60_000, label: 'n', onLog: logs.log });
    await unlink(path);
    await file.check(false);
    await file.check(false);
    expect(logs.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logs.lines[0].fields.error).toBe('ENOENT');
    expect(file.value).toBe(1);
    await writeFile(path, '3');
    await file.check(false);
    expect(file.value).toBe(3);
    expect(logs.lines.at(-1)).toMatchObject({ level: 'info', message: 'n reloaded' });
  });

  it('survives a throwing reload listener', async () => {
    const path = join(dir, 'n.txt');
    await writeFile(path, '1');
    const logs = collectLogs();
    file = await WatchedFile.open({
      path,
      parse: parseNumber,
      onReload: () => {
        throw new Error('boom');
      },
      pollIntervalMs: 0,
      debounceMs: 60_000,
      label: 'n',
      onLog: logs.log,
    });
    await writeFile(path, '2');
    await expect(file.check(true)).resolves.toBeUndefined();
    expect(file.value).toBe(2);
    expect(logs.lines.some((l) => l.message === 'n reload listener failed')).toBe(true);
  });

  it('does nothing after close', async () => {
    const path = join(dir, 'n.txt');
    await writeFile(path, '1');
    file = await WatchedFile.open({ path, parse: parseNumber, onReload: () => {}, pollIntervalMs: 10, label: 'n' });
    file.close();
    file.close();
    await writeFile(path, '2');
    await file.check(true);
    expect(file.value).toBe(1);
  });
});
