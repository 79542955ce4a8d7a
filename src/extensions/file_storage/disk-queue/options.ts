import type { WalFileOpener } from './fs-util.ts';

/**
 * When an enqueue counts as durable:
 * - `'always'`: after fdatasync (concurrent enqueues share one sync: group commit);
 * - `{ intervalMs }`: after write(); a timer syncs every interval (loss window on power loss);
 * - `'never'`: after write(); the kernel flushes when it likes.
 */
export type FsyncPolicy = 'always' | 'never' | { intervalMs: number };

/** What an enqueue does when the queue holds `maxBytes`. */
export type WhenFull = 'block' | 'drop_newest' | 'drop_oldest';

export interface PersistentQueueOptions {
  /** One directory per queue; created if missing. */
  directory: string;
  /** Bound on the bytes of unresolved records (as stored: payload + tenant + 30 bytes). */
  maxBytes: number;
  fsync: FsyncPolicy;
  whenFull: WhenFull;
  /** A segment rolls when the next record would take it past this size. Default 16 MiB. */
  segmentBytes?: number;
  /** How often acknowledgements are persisted. Default 1000 ms; a crash replays up to this much. */
  checkpointIntervalMs?: number;
  /** Payloads kept in memory after writing, so a consumer that keeps up never reads the disk. Default 16 MiB. */
  cacheBytes?: number;
  /** Told of every disk error (ENOSPC, EIO) after it is counted in `ioErrors`. */
  onIoError?: (operation: string, error: unknown) => void;
  /** Test seam for injecting I/O failures. Defaults to `fs.promises.open`. */
  openFile?: WalFileOpener;
}

export type EnqueueResult =
  | { ok: true; droppedOldest: number; droppedOldestItems: number }
  /**
   * `full`: refused under `block`; nothing was stored or counted, the sender should retry.
   * `dropped`: refused under `drop_newest` (or `drop_oldest` when nothing old can go); counted in `droppedNewest`.
   * `too_large`: the record alone exceeds `maxBytes`; retrying cannot help.
   * `closed`: the queue is closing.
   */
  | { ok: false; reason: 'full' | 'dropped' | 'too_large' | 'closed' }
  | { ok: false; reason: 'io_error'; error: Error };

export interface QueueStats {
  /** Unresolved records (written or being written, not yet acked or dropped). */
  records: number;
  /** Telemetry items (spans, points, log records) in those records. */
  items: number;
  /** Bytes of those records as stored; compared with `capacityBytes`. */
  bytes: number;
  capacityBytes: number;
  /** Size of the segment files on disk, including resolved records in segments not yet deleted. */
  diskBytes: number;
  oldestEnqueuedAt: number | undefined;
  inFlight: number;
  corruptedRecords: number;
  replayedRecords: number;
  droppedOldest: number;
  droppedNewest: number;
  ioErrors: number;
}

export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;
