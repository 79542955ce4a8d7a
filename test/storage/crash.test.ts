import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { drainAvailable, makeTempDir, openQueue, removeDir, textOf } from './helpers.ts';

const NODE = join(import.meta.dirname, '../../node_modules/.bin/node');
const CHILD = join(import.meta.dirname, 'fixtures/enqueue-until-killed.ts');

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/** Runs the child until it reported `minEnqueued` enqueues, then SIGKILLs it mid-stream. */
async function runAndKill(fsync: string, minEnqueued: number): Promise<{ enqueued: Set<number>; acked: Set<number> }> {
  const child = spawn(NODE, [CHILD, dir, fsync], { stdio: ['ignore', 'pipe', 'inherit'] });
  const enqueued = new Set<number>();
  const acked = new Set<number>();
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [kind, n] = line.split(' ');
        if (kind === 'enqueued') enqueued.add(Number(n));
        if (kind === 'acked') acked.add(Number(n));
      }
      if (enqueued.size >= minEnqueued && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await exited;
  return { enqueued, acked };
}

for (const fsync of ['always', '100']) {
  test(`kill -9 with fsync ${fsync === 'always' ? 'always' : fsync + 'ms'}: every reported enqueue that was not acked is replayed`, async () => {
    const { enqueued, acked } = await runAndKill(fsync, 2000);
    const queue = await openQueue(dir);
    const present = new Set((await drainAvailable(queue)).map((record) => Number(textOf(record).split(':')[0])));
    const missing = [...enqueued].filter((n) => !acked.has(n) && !present.has(n));
    expect(missing).toEqual([]);
    expect(enqueued.size).toBeGreaterThanOrEqual(2000);
    expect(acked.size).toBeGreaterThan(0);
    // The child deleted acked segments as it went, so far fewer than all records replay.
    expect(present.size).toBeLessThan(enqueued.size + 200);
    await queue.close();
  }, 60_000);
}
