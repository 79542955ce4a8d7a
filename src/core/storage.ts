import type { Batch } from './batch.ts';
import type { Signal } from '../otlp/types.ts';

// The sending queue's contract, and the storage extension that hands out persistent ones. The
// exporter helper owns the in-memory queue; a storage extension (file_storage) implements the
// same contract on disk; the service asks the extension named in `sending_queue.storage` for one.

export interface QueueEntry {
  batch: Batch;
  enqueuedAt: number;
}

/**
 * ok: queued. full: refused, the sender should retry. dropped: refused by an explicit drop policy
 * (counted; the client is not asked to retry). error: storage failed (retryable).
 */
export type OfferResult = 'ok' | 'full' | 'dropped' | 'error';

/** What the exporter helper needs from a queue; the in-memory and the on-disk queue both provide it. */
export interface ExportQueue {
  offer(batch: Batch): Promise<OfferResult>;
  /** The oldest waiting entry, now; undefined when none is waiting. It never waits for one to arrive. */
  poll(): Promise<QueueEntry | undefined>;
  /**
   * Resolves true once poll() may find an entry (another consumer may still get there first),
   * false once the queue is closed and empty. It carries no entry on purpose. An idle consumer
   * parks here for several seconds at low rates, so its promise is promoted to the old
   * generation; a batch handed over through it would stay reachable from that dead promise
   * until the next mark-compact, and so would every request body the batch holds
   * (benchmarks/RESULTS.md, "The sending queue pinned every batch until a mark-compact").
   */
  whenReady(): Promise<boolean>;
  /** The entry was delivered, or failed for good. */
  ack(entry: QueueEntry): void;
  /** The entry could not be delivered before shutdown; a persistent queue keeps it. */
  release(entry: QueueEntry): void;
  readonly size: number;
  readonly capacity: number;
  /** Whether entries released at shutdown survive to the next start. */
  readonly persistent: boolean;
  readonly oldestEnqueuedAt: number | undefined;
  /** Bytes held and the byte bound, where the queue measures them (the persistent queue does). */
  readonly sizeBytes?: number;
  readonly capacityBytes?: number;
  /** Stops new offers; take() returns undefined once the queue is empty. */
  close(): Promise<void>;
  /** Releases resources once the consumers have stopped (flushes a persistent queue's checkpoint). */
  dispose?(): Promise<void>;
}

/** The bounds of one persistent queue, from the exporter's `sending_queue`. */
export interface PersistentQueueBounds {
  /** Bytes on disk. */
  maxBytes: number;
  /** What a full queue does: refuse (retryable, backpressure), or drop and count. */
  whenFull: 'block' | 'drop_newest' | 'drop_oldest';
}

/** What a storage extension offers exporters: one queue per (exporter, signal), surviving restarts. */
export interface StorageExtension {
  openQueue(exporterId: string, signal: Signal, bounds: PersistentQueueBounds): Promise<ExportQueue>;
}

export function isStorageExtension(value: unknown): value is StorageExtension {
  return typeof (value as StorageExtension | undefined)?.openQueue === 'function';
}

/** One record of a durable log, as a storage extension reads it back. */
export interface LogRecord {
  readonly id: number;
  readonly payload: Uint8Array;
  readonly items: number;
  readonly tenant: string | undefined;
  /** Milliseconds since the epoch when the record was first appended (survives restarts). */
  readonly enqueuedAt: number;
}

/** `full`: retry later. `too_large`: the record alone exceeds the log's bound. `closed`: shutting down. `io_error`: the disk failed. */
export type LogAppendResult =
  | { ok: true }
  | { ok: false; reason: 'full' | 'dropped' | 'too_large' | 'closed' }
  | { ok: false; reason: 'io_error'; error: Error };

/**
 * A durable first-in first-out log for a processor's own state (the sampler's buffer): append,
 * read back in order after a restart, acknowledge what no longer needs keeping. Full means refuse.
 */
export interface RecordLog {
  /** Resolves once the record is durable under the extension's fsync policy. */
  enqueue(payload: Uint8Array, meta: { items: number; tenant?: string }): Promise<LogAppendResult>;
  /** The oldest record not yet handed out, or undefined. */
  poll(): Promise<LogRecord | undefined>;
  ack(record: LogRecord): void;
  readonly stats: { readonly records: number; readonly bytes: number };
  close(): Promise<void>;
}

/** A storage extension that also keeps processors' logs. `owner` is the processor (`traces/adaptive_sampling`), `name` the log's. */
export interface LogStorageExtension {
  openLog(owner: string, name: string, maxBytes: number): Promise<RecordLog>;
}

export function isLogStorageExtension(value: unknown): value is LogStorageExtension {
  return typeof (value as LogStorageExtension | undefined)?.openLog === 'function';
}
