import { mkdir } from 'node:fs/promises';
import { EMPTY_CHECKPOINT, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import type { Checkpoint } from './checkpoint.ts';
import { acquireDirectoryLock } from './dir-lock.ts';
import { defaultFileOpener, syncDirectory } from './fs-util.ts';
import type { WalFileOpener } from './fs-util.ts';
import {
  SEGMENT_HEADER_BYTES,
  decodeRecordAt,
  encodeRecord,
  encodeSegmentHeader,
  encodedRecordSize,
  encodedTenant,
  payloadOffset,
} from './record-codec.ts';
import type { QueueEntry, QueueRecord } from './queue-entry.ts';
import { recover } from './recover.ts';
import { RingQueue } from './ring-queue.ts';
import { Segment, segmentFileName } from './segment.ts';
import { join } from 'node:path';
import {
  DEFAULT_CACHE_BYTES,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_SEGMENT_BYTES,
} from './options.ts';
import type { EnqueueResult, FsyncPolicy, PersistentQueueOptions, QueueStats, WhenFull } from './options.ts';

/** An accepted record on its way to the disk. */
interface PendingWrite {
  entry: QueueEntry;
  encoded: Buffer;
  resolve: (result: EnqueueResult) => void;
  droppedOldest: number;
  droppedOldestItems: number;
}

interface Waiter {
  resolve: (ready: boolean) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Caps one writev: bounded latency for the first record of a batch, and bounded memory. */
const MAX_BATCH_RECORDS = 1024;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * A bounded, crash-safe FIFO of byte payloads in a segmented, checksummed write-ahead log.
 * Delivery is at-least-once: a record leaves the queue only when acked (or dropped by the
 * `whenFull` policy); anything unacked at a crash is replayed on the next open.
 */
export class PersistentQueue {
  readonly #directory: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #fsync: FsyncPolicy;
  readonly #whenFull: WhenFull;
  readonly #cacheBytes: number;
  readonly #openFile: WalFileOpener;
  readonly #releaseLock: () => Promise<void>;

  readonly #segments: Segment[];
  #active: Segment | undefined;
  /** Every unresolved, written record by id; Map order is id order, so the first is the oldest. */
  readonly #live = new Map<number, QueueEntry>();
  readonly #ready = new RingQueue<QueueEntry>();
  /** Nacked records, sorted by id, handed out before newer ones so retries keep their place. */
  readonly #retry: QueueEntry[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #pending: PendingWrite[] = [];

  #nextId: number;
  /** Every id below this is written, failed or resolved; ids at or above may still be written. */
  #writtenCeiling: number;
  #records = 0;
  #items = 0;
  #bytes = 0;
  #inFlightCount = 0;
  #inFlightBytes = 0;
  #pendingBytes = 0;
  #cachedBytes = 0;

  #corruptedRecords: number;
  #replayedRecords: number;
  #droppedOldest = 0;
  #droppedNewest = 0;
  #ioErrors = 0;
  readonly #onIoError: ((operation: string, error: unknown) => void) | undefined;

  #pumping: Promise<void> | undefined;
  #backgroundSync: Promise<void> | undefined;
  #checkpointDirty = false;
  #checkpointing: Promise<void> | undefined;
  readonly #syncTimer: NodeJS.Timeout | undefined;
  readonly #checkpointTimer: NodeJS.Timeout;
  #lastTenant: string | undefined;
  #lastTenantBytes: Uint8Array | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;

  private constructor(options: PersistentQueueOptions, releaseLock: () => Promise<void>, recovered: Awaited<ReturnType<typeof recover>>) {
    this.#directory = options.directory;
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#fsync = options.fsync;
    this.#whenFull = options.whenFull;
    this.#cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.#openFile = options.openFile ?? defaultFileOpener;
    this.#onIoError = options.onIoError;
    this.#releaseLock = releaseLock;
    this.#segments = recovered.segments;
    this.#active = recovered.active;
    this.#nextId = recovered.nextId;
    this.#writtenCeiling = recovered.nextId;
    this.#corruptedRecords = recovered.corruptedRecords;
    this.#replayedRecords = recovered.entries.length;
    for (const entry of recovered.entries) {
      this.#live.set(entry.id, entry);
      this.#ready.push(entry);
      this.#records++;
      this.#items += entry.items;
      this.#bytes += entry.size;
    }
    const interval = typeof options.fsync === 'object' ? options.fsync.intervalMs : undefined;
    this.#syncTimer = interval === undefined ? undefined : setInterval(() => this.#requestSync(), interval).unref();
    this.#checkpointTimer = setInterval(() => void this.#checkpoint(), options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS).unref();
  }

  /** Opens (creating if needed) the queue in `options.directory`, replaying what was not acked. */
  static async open(options: PersistentQueueOptions): Promise<PersistentQueue> {
    validateOptions(options);
    await mkdir(options.directory, { recursive: true });
    const releaseLock = await acquireDirectoryLock(options.directory);
    try {
      const checkpoint = (await readCheckpoint(options.directory)) ?? EMPTY_CHECKPOINT;
      const recovered = await recover(
        options.directory,
        checkpoint,
        options.openFile ?? defaultFileOpener,
        options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      );
      return new PersistentQueue(options, releaseLock, recovered);
    } catch (error) {
      await releaseLock();
      throw error;
    }
  }

  /**
   * Appends a record. Resolves once it is durable per the fsync policy, and only then can a
   * consumer take it. Never rejects: refusals and I/O failures are results.
   */
  enqueue(payload: Uint8Array, meta: { items: number; tenant?: string }): Promise<EnqueueResult> {
    if (this.#closing) return Promise.resolve(CLOSED);
    let tenant: Uint8Array | undefined;
    if (meta.tenant === this.#lastTenant) tenant = this.#lastTenantBytes;
    else {
      try {
        tenant = encodedTenant(meta.tenant);
      } catch {
        return Promise.resolve(TOO_LARGE);
      }
      // Batches usually carry one tenant after another of the same; encode it once.
      this.#lastTenant = meta.tenant;
      this.#lastTenantBytes = tenant;
    }
    const size = encodedRecordSize(payload.length, tenant === undefined ? 0 : tenant.length);
    if (size > this.#maxBytes) return Promise.resolve(TOO_LARGE);
    let droppedOldest = 0;
    let droppedOldestItems = 0;
    if (this.#bytes + size > this.#maxBytes) {
      if (this.#whenFull === 'block') return Promise.resolve(FULL);
      // Only records waiting in the queue can make room; those being written or delivered cannot.
      const droppable = this.#bytes - this.#inFlightBytes - this.#pendingBytes;
      if (this.#whenFull === 'drop_newest' || this.#bytes - droppable + size > this.#maxBytes) {
        this.#droppedNewest++;
        return Promise.resolve(DROPPED);
      }
      while (this.#bytes + size > this.#maxBytes) {
        const oldest = this.#takeOldestWaiting();
        if (oldest === undefined) break;
        droppedOldest++;
        droppedOldestItems += oldest.items;
        this.#resolveEntry(oldest);
      }
      this.#droppedOldest += droppedOldest;
    }

    const items = meta.items >>> 0;
    const enqueuedAt = Date.now();
    const id = this.#nextId++;
    const encoded = encodeRecord(id, enqueuedAt, items, tenant, payload);
    const entry: QueueEntry = {
      id,
      segment: undefined as unknown as Segment,
      offset: 0,
      size,
      items,
      tenant: meta.tenant === '' ? undefined : meta.tenant,
      enqueuedAt,
      payload: undefined,
      inFlight: false,
    };
    const { promise, resolve } = Promise.withResolvers<EnqueueResult>();
    this.#pending.push({ entry, encoded, resolve, droppedOldest, droppedOldestItems });
    this.#records++;
    this.#items += items;
    this.#bytes += size;
    this.#pendingBytes += size;
    this.#kick();
    return promise;
  }

  /**
   * The oldest record not yet handed out (nacked ones first, by id), now; undefined when none is
   * waiting or the queue is closed. It reads the payload back from disk when it is not cached.
   */
  async poll(): Promise<QueueRecord | undefined> {
    for (;;) {
      if (this.#closing) return undefined;
      const entry = this.#nextWaiting();
      if (entry === undefined) return undefined;
      const record = await this.#materialize(entry);
      if (record !== undefined) return record;
    }
  }

  /**
   * Resolves true once poll() may find a record, false when the queue closes or `signal`
   * aborts. It carries no record, so a consumer parked here long enough for its promise to
   * reach the old generation never pins a payload until the next mark-compact.
   */
  whenReady(signal?: AbortSignal): Promise<boolean> {
    if (this.#closing || signal?.aborted) return Promise.resolve(false);
    if (this.#retry.length > 0 || this.#ready.length > 0) return Promise.resolve(true);
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const waiter: Waiter = { resolve, signal, onAbort: undefined };
    if (signal !== undefined) {
      waiter.onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(false);
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    this.#waiters.push(waiter);
    return promise;
  }

  /** poll() and whenReady() in turn: the oldest record, waiting for one; undefined on close or abort. */
  async take(signal?: AbortSignal): Promise<QueueRecord | undefined> {
    for (;;) {
      const record = await this.poll();
      if (record !== undefined) return record;
      if (!(await this.whenReady(signal))) return undefined;
    }
  }

  /** The record was delivered, or failed for good: it leaves the queue. Unknown or repeated acks are ignored. */
  ack(record: QueueRecord): void {
    // After close the files belong to whoever opens the directory next; a late ack just means a replay.
    if (this.#closing) return;
    const entry = this.#live.get(record.id);
    if (entry === undefined || !entry.inFlight) return;
    this.#leaveFlight(entry);
    this.#resolveEntry(entry);
  }

  /** The record goes back for another attempt, ahead of every record newer than it. */
  nack(record: QueueRecord): void {
    const entry = this.#live.get(record.id);
    if (entry === undefined || !entry.inFlight) return;
    this.#leaveFlight(entry);
    if (this.#closing) return;
    let index = this.#retry.length;
    while (index > 0 && this.#retry[index - 1].id > entry.id) index--;
    this.#retry.splice(index, 0, entry);
    this.#wakeOne();
  }

  get stats(): QueueStats {
    let diskBytes = 0;
    for (const segment of this.#segments) diskBytes += segment.size;
    const oldest = this.#live.values().next().value ?? this.#pending[0]?.entry;
    return {
      records: this.#records,
      items: this.#items,
      bytes: this.#bytes,
      capacityBytes: this.#maxBytes,
      diskBytes,
      oldestEnqueuedAt: oldest?.enqueuedAt,
      inFlight: this.#inFlightCount,
      corruptedRecords: this.#corruptedRecords,
      replayedRecords: this.#replayedRecords,
      droppedOldest: this.#droppedOldest,
      droppedNewest: this.#droppedNewest,
      ioErrors: this.#ioErrors,
    };
  }

  /**
   * Stops accepting, finishes pending writes, syncs, persists the checkpoint and closes files.
   * Records in flight stay unacked and replay on the next open. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#syncTimer);
    clearInterval(this.#checkpointTimer);
    for (const waiter of this.#waiters.splice(0)) this.#wake(waiter, false);
    while (this.#pumping !== undefined) await this.#pumping;
    await this.#backgroundSync;
    if (this.#active !== undefined) {
      await this.#active.sync().catch((error: unknown) => this.#ioError('sync', error));
    }
    this.#checkpointDirty = true;
    await this.#checkpoint();
    for (const segment of this.#segments) await segment.close().catch(() => undefined);
    await this.#releaseLock();
  }

  // ---- writing -------------------------------------------------------------------------

  #kick(): void {
    this.#pumping ??= this.#pump()
      .catch((error: unknown) => {
        // #pump handles its own I/O errors; this only keeps a bug from becoming an unhandled rejection.
        this.#ioError('write', error);
      })
      .finally(() => {
      this.#pumping = undefined;
        if (this.#pending.length > 0) this.#kick();
      });
  }

  /** The single writer: drains pending records batch by batch, so concurrent enqueues share writes and syncs. */
  async #pump(): Promise<void> {
    while (this.#pending.length > 0) await this.#writeBatch(this.#takeBatch());
  }

  #takeBatch(): PendingWrite[] {
    let count = this.#pending.length;
    if (count > MAX_BATCH_RECORDS || this.#pendingBytes > MAX_BATCH_BYTES) {
      let bytes = 0;
      count = 0;
      while (count < this.#pending.length && count < MAX_BATCH_RECORDS && (count === 0 || bytes + this.#pending[count].entry.size <= MAX_BATCH_BYTES)) {
        bytes += this.#pending[count].entry.size;
        count++;
      }
    }
    // Emptied in place, never swapped for a new array: a list that waited long enough to be
    // promoted, once dropped, would keep the records put in it until the next mark-compact.
    return this.#pending.splice(0, count);
  }

  async #writeBatch(batch: PendingWrite[]): Promise<void> {
    let start = 0;
    while (start < batch.length) {
      let segment: Segment;
      try {
        segment = await this.#segmentFor(batch[start]);
      } catch (error) {
        this.#ioError('open segment', error);
        this.#fail(batch, start, batch.length, error as Error);
        return;
      }
      // Take every record that fits; a record larger than a segment goes alone into an empty one.
      let end = start;
      let bytes = 0;
      while (end < batch.length && (end === start || segment.size + bytes + batch[end].entry.size <= this.#segmentBytes)) {
        bytes += batch[end].entry.size;
        end++;
      }
      const position = segment.size;
      try {
        const buffers = new Array<Buffer>(end - start);
        for (let i = start; i < end; i++) buffers[i - start] = batch[i].encoded;
        const { bytesWritten } = await segment.file.writev(buffers, position);
        if (bytesWritten !== bytes) throw Object.assign(new Error(`short write: ${bytesWritten} of ${bytes} bytes`), { code: 'EIO' });
        segment.appended(bytes, end - start);
        if (this.#fsync === 'always') await segment.sync();
      } catch (error) {
        this.#ioError('write', error);
        await this.#abandonTail(segment, position, end - start);
        this.#fail(batch, start, end, error as Error);
        start = end;
        continue;
      }
      this.#publish(batch, start, end, segment, position);
      start = end;
    }
  }

  /**
   * After a failed write or sync the file's tail is unknown: cut it back to the last good
   * record, and when even that fails, stop appending to the file so the damage stays behind.
   */
  async #abandonTail(segment: Segment, goodEnd: number, records: number): Promise<void> {
    // A failed sync means the records were counted in; take them back out.
    if (segment.size > goodEnd) segment.rolledBack(goodEnd, records);
    try {
      await segment.file.truncate(goodEnd);
    } catch {
      // The file keeps bytes we refused; sealing it keeps later records out of the damaged file.
    }
    if (this.#active === segment) this.#active = undefined;
    if (segment.seal()) this.#retire(segment);
  }

  #fail(batch: PendingWrite[], start: number, end: number, error: Error): void {
    const result: EnqueueResult = { ok: false, reason: 'io_error', error };
    for (let i = start; i < end; i++) {
      const { entry, resolve } = batch[i];
      this.#records--;
      this.#items -= entry.items;
      this.#bytes -= entry.size;
      this.#pendingBytes -= entry.size;
      this.#writtenCeiling = entry.id + 1;
      this.#checkpointDirty = true;
      resolve(result);
    }
  }

  #publish(batch: PendingWrite[], start: number, end: number, segment: Segment, position: number): void {
    let offset = position;
    for (let i = start; i < end; i++) {
      const { entry, encoded, resolve, droppedOldest, droppedOldestItems } = batch[i];
      entry.segment = segment;
      entry.offset = offset;
      offset += entry.size;
      this.#pendingBytes -= entry.size;
      this.#writtenCeiling = entry.id + 1;
      if (this.#cachedBytes + entry.size <= this.#cacheBytes) {
        entry.payload = encoded.subarray(payloadOffset(encoded));
        this.#cachedBytes += entry.size;
      }
      this.#live.set(entry.id, entry);
      this.#ready.push(entry);
      this.#wakeOne();
      resolve(droppedOldest === 0 ? ACCEPTED : { ok: true, droppedOldest, droppedOldestItems });
    }
  }

  /** Counts a disk error and tells the owner, who logs it (a full disk must not go unseen). */
  #ioError(operation: string, error: unknown): void {
    this.#ioErrors++;
    this.#onIoError?.(operation, error);
  }

  /** The segment to append `next` to, rolling to a new file when the active one is full. */
  async #segmentFor(next: PendingWrite): Promise<Segment> {
    const active = this.#active;
    if (active !== undefined && (active.size === SEGMENT_HEADER_BYTES || active.size + next.entry.size <= this.#segmentBytes)) {
      return active;
    }
    if (active !== undefined) {
      this.#active = undefined;
      // A sealed segment is synced once, so the interval policy's window only ever covers the newest file.
      if (this.#fsync !== 'never') await active.sync().catch((error: unknown) => this.#ioError('sync', error));
      if (active.seal()) this.#retire(active);
    }
    const firstId = next.entry.id;
    const path = join(this.#directory, segmentFileName(firstId));
    const file = await this.#openFile(path, 'wx+');
    const segment = new Segment(this.#directory, firstId, file, 0);
    try {
      const header = encodeSegmentHeader(firstId);
      await file.writev([header], 0);
      segment.appended(SEGMENT_HEADER_BYTES, 0);
      if (this.#fsync !== 'never') {
        await segment.sync();
        await syncDirectory(this.#directory);
      }
    } catch (error) {
      await segment.delete().catch(() => undefined);
      throw error;
    }
    this.#segments.push(segment);
    this.#active = segment;
    return segment;
  }

  /**
   * The interval policy's timer. The sync runs beside the writer, not in its queue: appends go
   * on landing in the page cache while the disk catches up, so a slow flush never stalls enqueues.
   */
  #requestSync(): void {
    const segment = this.#active;
    if (segment === undefined || !segment.unsynced || this.#backgroundSync !== undefined) return;
    this.#backgroundSync = segment
      .sync()
      .catch((error: unknown) => {
        // Whether the data reached the disk is now unknown (the kernel may have dropped the dirty
        // pages); later records go to a fresh file rather than trusting this one.
        this.#ioError('sync', error);
        if (this.#active === segment) this.#active = undefined;
        if (!segment.sealed && segment.seal()) this.#retire(segment);
      })
      .finally(() => {
        this.#backgroundSync = undefined;
      });
  }

  // ---- reading -------------------------------------------------------------------------

  #nextWaiting(): QueueEntry | undefined {
    const entry = this.#takeOldestWaiting();
    if (entry !== undefined) this.#enterFlight(entry);
    return entry;
  }

  #takeOldestWaiting(): QueueEntry | undefined {
    const retried = this.#retry[0];
    const fresh = this.#ready.peek();
    if (retried !== undefined && (fresh === undefined || retried.id < fresh.id)) return this.#retry.shift();
    return this.#ready.shift();
  }

  #wakeOne(): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) this.#wake(waiter, true);
  }

  #wake(waiter: Waiter, ready: boolean): void {
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(ready);
  }

  /** Builds the consumer's record, reading the payload back from disk when it is not cached. */
  async #materialize(entry: QueueEntry): Promise<QueueRecord | undefined> {
    let payload = entry.payload;
    if (payload === undefined) {
      payload = await this.#readPayload(entry);
      if (payload === undefined && this.#closing) {
        // The files were closed under the read; the record stays unacked and replays next time.
        this.#leaveFlight(entry);
        return undefined;
      }
      if (payload === undefined) {
        // Unreadable now (bad sector, file damaged after open): count it and move on rather than retry forever.
        this.#corruptedRecords++;
        this.#leaveFlight(entry);
        this.#resolveEntry(entry);
        return undefined;
      }
    }
    return { id: entry.id, payload, items: entry.items, tenant: entry.tenant, enqueuedAt: entry.enqueuedAt };
  }

  async #readPayload(entry: QueueEntry): Promise<Uint8Array | undefined> {
    const buf = Buffer.allocUnsafe(entry.size);
    try {
      const { bytesRead } = await entry.segment.file.read(buf, 0, entry.size, entry.offset);
      if (bytesRead !== entry.size) return undefined;
    } catch (error) {
      this.#ioError('read', error);
      return undefined;
    }
    const record = decodeRecordAt(buf, 0);
    return record !== undefined && record.id === entry.id ? record.payload : undefined;
  }

  // ---- bookkeeping ---------------------------------------------------------------------

  #enterFlight(entry: QueueEntry): void {
    entry.inFlight = true;
    this.#inFlightCount++;
    this.#inFlightBytes += entry.size;
  }

  #leaveFlight(entry: QueueEntry): void {
    entry.inFlight = false;
    this.#inFlightCount--;
    this.#inFlightBytes -= entry.size;
  }

  /** The record leaves the queue for good (acked, dropped, or unreadable). */
  #resolveEntry(entry: QueueEntry): void {
    this.#live.delete(entry.id);
    this.#records--;
    this.#items -= entry.items;
    this.#bytes -= entry.size;
    if (entry.payload !== undefined) {
      this.#cachedBytes -= entry.size;
      entry.payload = undefined;
    }
    this.#checkpointDirty = true;
    if (entry.segment.release()) this.#retire(entry.segment);
  }

  #retire(segment: Segment): void {
    const index = this.#segments.indexOf(segment);
    if (index >= 0) this.#segments.splice(index, 1);
    segment.delete().catch((error: unknown) => this.#ioError('delete segment', error));
  }

  /** Persists which ids are resolved, when that changed since the last checkpoint. */
  #checkpoint(): Promise<void> {
    if (this.#checkpointing !== undefined) return this.#checkpointing.then(() => this.#checkpoint());
    if (!this.#checkpointDirty) return Promise.resolve();
    this.#checkpointDirty = false;
    const checkpoint = this.#currentCheckpoint();
    this.#checkpointing = writeCheckpoint(this.#directory, checkpoint, this.#fsync !== 'never')
      .catch((error: unknown) => {
        this.#ioError('checkpoint', error);
        this.#checkpointDirty = true;
      })
      .finally(() => {
        this.#checkpointing = undefined;
      });
    return this.#checkpointing;
  }

  /** The floor is the oldest unresolved id; the gaps between live ids below the written ceiling are resolved. */
  #currentCheckpoint(): Checkpoint {
    const acked: Array<[number, number]> = [];
    let floor = this.#writtenCeiling;
    let previous = -1;
    for (const id of this.#live.keys()) {
      if (previous < 0) floor = id;
      else if (id > previous + 1) acked.push([previous + 1, id]);
      previous = id;
    }
    if (previous >= 0 && this.#writtenCeiling > previous + 1) acked.push([previous + 1, this.#writtenCeiling]);
    return { floor, acked };
  }
}

const ACCEPTED: EnqueueResult = Object.freeze({ ok: true, droppedOldest: 0, droppedOldestItems: 0 });
const CLOSED: EnqueueResult = Object.freeze({ ok: false, reason: 'closed' });
const TOO_LARGE: EnqueueResult = Object.freeze({ ok: false, reason: 'too_large' });
const FULL: EnqueueResult = Object.freeze({ ok: false, reason: 'full' });
const DROPPED: EnqueueResult = Object.freeze({ ok: false, reason: 'dropped' });

function validateOptions(options: PersistentQueueOptions): void {
  const problems: string[] = [];
  if (typeof options.directory !== 'string' || options.directory.length === 0) problems.push('directory must be a non-empty path');
  if (!(options.maxBytes > 0)) problems.push('maxBytes must be positive');
  if (options.segmentBytes !== undefined && !(options.segmentBytes >= 4096)) problems.push('segmentBytes must be at least 4096');
  if (typeof options.fsync === 'object' && !(options.fsync.intervalMs > 0)) problems.push('fsync.intervalMs must be positive');
  if (options.checkpointIntervalMs !== undefined && !(options.checkpointIntervalMs > 0)) problems.push('checkpointIntervalMs must be positive');
  if (problems.length > 0) throw new RangeError(`invalid persistent queue options: ${problems.join('; ')}`);
}
