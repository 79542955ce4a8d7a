import type { Segment } from './segment.ts';

/** What a consumer receives. Treat `payload` as read-only: a nacked record is handed out again as is. */
export interface QueueRecord {
  readonly id: number;
  readonly payload: Uint8Array;
  readonly items: number;
  readonly tenant: string | undefined;
  /** Milliseconds since the epoch when the record was first enqueued (survives restarts). */
  readonly enqueuedAt: number;
}

/** The queue's bookkeeping for one unresolved record; the payload stays on disk unless cached. */
export interface QueueEntry {
  id: number;
  segment: Segment;
  offset: number;
  /** Bytes on disk, header included; the unit of `maxBytes`. */
  size: number;
  items: number;
  tenant: string | undefined;
  enqueuedAt: number;
  payload: Uint8Array | undefined;
  inFlight: boolean;
}
