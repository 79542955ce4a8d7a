import type { Logger } from 'pino';
import type { Batch } from '../../core/batch.ts';
import { sleep, type Clock } from '../../core/clock.ts';
import { errorMessage, isRetryable } from '../../core/errors.ts';
import type { ExportQueue, QueueEntry } from '../../core/storage.ts';
import { mergeBatches } from '../../core/batch-merge.ts';

/**
 * `sending_queue.batch`: a consumer that takes an entry also takes the entries already waiting
 * behind it, while they belong to the same tenant and headers, up to `targetItems`, and sends them
 * as one request. It never waits for more to arrive, so a quiet queue sends at once.
 */
export interface QueueBatching {
  targetItems: number;
  /** A batch is never merged past this many items (0: no cap). */
  maxItems: number;
  /** The sizes count requests (queue entries), not items. */
  byRequests: boolean;
}

function partitionKey(batch: Batch): string {
  const headers = batch.metadata.headers;
  let key = `${batch.metadata.tenant ?? ''}\u0000`;
  for (const name in headers) key += `${name}=${headers[name]}\u0000`;
  return key;
}

const STOPPED = Symbol('stopped');

/** How long a consumer waits after a failed queue read before trying the next record. */
const READ_FAILURE_PAUSE_MS = 100;

/**
 * The queue's consumers: each takes the oldest entry, sends it (with retries), and acks it, until
 * the queue is closed and empty or the stop signal ends the work.
 */
export class QueueConsumers {
  readonly #queue: ExportQueue;
  readonly #send: (batch: Batch, enqueuedAt: number) => Promise<unknown>;
  readonly #stop: AbortSignal;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #running: Promise<void>[] = [];
  readonly #batching: QueueBatching | undefined;

  constructor(queue: ExportQueue, send: (batch: Batch, enqueuedAt: number) => Promise<unknown>, stop: AbortSignal, logger: Logger, clock: Clock, batching?: QueueBatching) {
    this.#queue = queue;
    this.#send = send;
    this.#stop = stop;
    this.#logger = logger;
    this.#clock = clock;
    this.#batching = batching;
  }

  start(count: number): void {
    for (let i = 0; i < count; i++) this.#running.push(this.#work());
  }

  /** Resolves true once every consumer finished, or false at the deadline (epoch ms) if some have not. */
  async finished(deadline: number): Promise<boolean> {
    const all = Promise.all(this.#running).then(() => true);
    if (!Number.isFinite(deadline)) return all;
    const remaining = Math.max(0, deadline - this.#clock.now());
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(false), remaining);
    });
    const done = await Promise.race([all, expired]);
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    return done;
  }

  /** Entries waiting behind `first` that go in one request with it, and the first one that did not fit. */
  async #gather(first: QueueEntry, batching: QueueBatching): Promise<{ group: QueueEntry[]; carry: QueueEntry | undefined }> {
    const group = [first];
    const key = partitionKey(first.batch);
    const size = (batch: Batch) => (batching.byRequests ? 1 : batch.itemCount);
    let items = size(first.batch);
    while (items < batching.targetItems) {
      let next: QueueEntry | undefined;
      try {
        next = await this.#queue.poll();
      } catch {
        break; // the next read fails on its own turn
      }
      if (next === undefined) break;
      const fits = batching.maxItems === 0 || items + size(next.batch) <= batching.maxItems;
      if (!fits || partitionKey(next.batch) !== key) return { group, carry: next };
      group.push(next);
      items += size(next.batch);
    }
    return { group, carry: undefined };
  }

  /** Sends `entry` (with what waits behind it, under batching) and acks it; returns an entry taken but not sent, or STOPPED. */
  async #deliver(entry: QueueEntry): Promise<QueueEntry | undefined | typeof STOPPED> {
    const queue = this.#queue;
    let group = [entry];
    let carry: QueueEntry | undefined;
    if (this.#batching !== undefined) ({ group, carry } = await this.#gather(entry, this.#batching));
    const batch = group.length === 1 ? entry.batch : mergeBatches(entry.batch.signal, group.map((e) => e.batch), entry.batch.metadata);
    // The group's first entry is its oldest: export latency counts from when it was accepted.
    const error = await this.#send(batch, entry.enqueuedAt);
    if (error !== undefined && this.#stop.aborted && isRetryable(error)) {
      // Shutdown cut the retries short: a persistent queue keeps the entries for the next start.
      for (const taken of group) queue.release(taken);
      if (carry !== undefined) queue.release(carry);
      return STOPPED;
    }
    for (const taken of group) queue.ack(taken);
    return carry;
  }

  async #work(): Promise<void> {
    const queue = this.#queue;
    let carry: QueueEntry | undefined;
    for (;;) {
      let entry: QueueEntry | undefined = carry;
      carry = undefined;
      if (entry === undefined) try {
        entry = await queue.poll();
      } catch (error) {
        // A queue that cannot read one record (a bad sector) must not stop its consumer for good.
        this.#logger.error({ error: errorMessage(error) }, 'sending queue read failed');
        if (!(await sleep(READ_FAILURE_PAUSE_MS, this.#stop, this.#clock))) return;
        continue;
      }
      if (entry === undefined) {
        if (!(await queue.whenReady())) return;
        continue;
      }
      // In a method of its own, so nothing of a delivered batch stays in this frame while it waits for the next.
      const outcome = await this.#deliver(entry);
      if (outcome === STOPPED) return;
      carry = outcome;
    }
  }
}
