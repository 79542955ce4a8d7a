import type { Logger } from 'pino';
import type { Batch } from '../../core/batch.ts';
import { sleep, type Clock } from '../../core/clock.ts';
import { errorMessage, isRetryable } from '../../core/errors.ts';
import type { ExportQueue, QueueEntry } from '../../core/storage.ts';

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

  constructor(queue: ExportQueue, send: (batch: Batch, enqueuedAt: number) => Promise<unknown>, stop: AbortSignal, logger: Logger, clock: Clock) {
    this.#queue = queue;
    this.#send = send;
    this.#stop = stop;
    this.#logger = logger;
    this.#clock = clock;
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

  async #work(): Promise<void> {
    const queue = this.#queue;
    for (;;) {
      let entry: QueueEntry | undefined;
      try {
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
      const error = await this.#send(entry.batch, entry.enqueuedAt);
      if (error !== undefined && this.#stop.aborted && isRetryable(error)) {
        // Shutdown cut the retries short: a persistent queue keeps the entry for the next start.
        queue.release(entry);
        return;
      }
      queue.ack(entry);
    }
  }
}
