import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './fs-util.ts';

// The checkpoint says which ids no longer need delivering: every id below `floor`, plus the
// half-open ranges in `acked` (acks that arrived out of order, above a record still in flight).
// It is replaced atomically (write temp, fsync, rename, fsync directory), so a crash leaves
// either the old or the new one. A stale checkpoint only causes replays, never loss.

export const CHECKPOINT_FILE = 'checkpoint.json';
const CHECKPOINT_TEMP = 'checkpoint.json.tmp';
const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  /** Every id below this is resolved (acked or dropped). */
  floor: number;
  /** Sorted, disjoint [start, endExclusive) ranges of resolved ids above `floor`. */
  acked: Array<[number, number]>;
}

export const EMPTY_CHECKPOINT: Checkpoint = { floor: 0, acked: [] };

/** Reads the checkpoint; a missing or unreadable one yields undefined (everything on disk replays). */
export async function readCheckpoint(directory: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, CHECKPOINT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; floor?: unknown; acked?: unknown };
    if (parsed.version !== CHECKPOINT_VERSION || !isId(parsed.floor) || !Array.isArray(parsed.acked)) return undefined;
    const acked: Array<[number, number]> = [];
    for (const range of parsed.acked as unknown[]) {
      if (!Array.isArray(range) || !isId(range[0]) || !isId(range[1]) || range[0] >= range[1]) return undefined;
      acked.push([range[0], range[1]]);
    }
    return { floor: parsed.floor, acked };
  } catch {
    return undefined;
  }
}

export async function writeCheckpoint(directory: string, checkpoint: Checkpoint, durable: boolean): Promise<void> {
  const temp = join(directory, CHECKPOINT_TEMP);
  const text = JSON.stringify({ version: CHECKPOINT_VERSION, floor: checkpoint.floor, acked: checkpoint.acked });
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(directory, CHECKPOINT_FILE));
  if (durable) await syncDirectory(directory);
}

/** A fast membership test for "this id still needs delivering". */
export function unackedPredicate(checkpoint: Checkpoint): (id: number) => boolean {
  const { floor, acked } = checkpoint;
  return (id) => {
    if (id < floor) return false;
    let low = 0;
    let high = acked.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const [start, end] = acked[mid];
      if (id < start) high = mid - 1;
      else if (id >= end) low = mid + 1;
      else return false;
    }
    return true;
  };
}

/** The highest id the checkpoint mentions, plus one: new ids must start at or above it. */
export function checkpointIdCeiling(checkpoint: Checkpoint): number {
  const last = checkpoint.acked[checkpoint.acked.length - 1];
  return last === undefined ? checkpoint.floor : Math.max(checkpoint.floor, last[1]);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
