import type { Logger } from 'pino';
import type { Batch } from '../../core/batch.ts';
import type { Consumer, Exporter, Host } from '../../core/component.ts';
import { errorMessage, isRetryable, PipelineError, retryableError, type ExportError } from '../../core/errors.ts';
import { ITEM_NAMES, type BoundCounter, type Telemetry } from '../../core/telemetry.ts';
import type { Signal } from '../../otlp/types.ts';
import type { ExporterHelperSettings } from './config.ts';
import { MemoryQueue, type ExportQueue, type QueueEntry } from './memory-queue.ts';
import { backoffDelay, sleep } from './retry.ts';

export interface ExporterHelperOptions {
  id: string;
  signal: Signal;
  exporter: Exporter;
  settings: ExporterHelperSettings;
  telemetry: Telemetry;
  logger: Logger;
  host: Host;
  /** Overrides the in-memory queue (the persistent queue). */
  queue?: ExportQueue;
}

/** How long a client should wait after a full queue; long enough for a retry burst to pass. */
const QUEUE_FULL_RETRY_AFTER_MS = 5_000;

/**
 * Stacks queue → retry → timeout → push around an exporter, so the exporter writes only push().
 * Each exporter instance has its own queue and consumers: a dead backend fills its own queue and
 * refuses, and never slows another exporter or the receiver.
 */
export class ExporterHelper implements Consumer {
  readonly id: string;
  readonly signal: Signal;
  readonly #exporter: Exporter;
  readonly #settings: ExporterHelperSettings;
  readonly #logger: Logger;
  readonly #host: Host;
  readonly #queue: ExportQueue | undefined;
  readonly #stop = new AbortController();
  readonly #workers: Promise<void>[] = [];
  readonly #sent: BoundCounter;
  readonly #sendFailed: BoundCounter;
  readonly #enqueueFailed: BoundCounter;
  readonly #retries: BoundCounter;
  readonly #tenantExported: ReturnType<Telemetry['counter']>;
  readonly #unregister: Array<() => void> = [];
  #accepting = false;
  #shutdown: Promise<void> | undefined;

  constructor(options: ExporterHelperOptions) {
    this.id = options.id;
    this.signal = options.signal;
    this.#exporter = options.exporter;
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#host = options.host;
    const queueSettings = options.settings.sending_queue;
    this.#queue = queueSettings.enabled ? (options.queue ?? new MemoryQueue(queueSettings.queue_size, options.host.memory.holder('exporter_queue'))) : undefined;

    const t = options.telemetry;
    const items = ITEM_NAMES[options.signal];
    const labels = { exporter: options.id };
    this.#sent = t.counter(`otelcol_exporter_sent_${items}_total`, `Number of ${items.replace('_', ' ')} successfully sent to destination.`, ['exporter']).bind(labels);
    this.#sendFailed = t.counter(`otelcol_exporter_send_failed_${items}_total`, `Number of ${items.replace('_', ' ')} that failed to be sent to destination.`, ['exporter']).bind(labels);
    this.#enqueueFailed = t.counter(`otelcol_exporter_enqueue_failed_${items}_total`, `Number of ${items.replace('_', ' ')} that failed to be added to the sending queue.`, ['exporter']).bind(labels);
    this.#retries = t.counter('sluice_exporter_retries_total', 'Send attempts that failed and were retried.', ['exporter', 'data_type']).bind({ exporter: options.id, data_type: options.signal });
    this.#tenantExported = t.counter('sluice_tenant_exported_items_total', 'Items delivered to an exporter backend, per tenant.', ['tenant', 'signal', 'exporter']);

    const queue = this.#queue;
    if (queue !== undefined) {
      const queueLabels = { exporter: options.id, data_type: options.signal };
      this.#unregister.push(
        t.observe('otelcol_exporter_queue_size', 'Current size of the retry queue (in batches).', ['exporter', 'data_type'], () => [{ labels: queueLabels, value: queue.size }]),
        t.observe('otelcol_exporter_queue_capacity', 'Fixed capacity of the retry queue (in batches).', ['exporter', 'data_type'], () => [{ labels: queueLabels, value: queue.capacity }]),
        t.observe('sluice_exporter_queue_size_bytes', 'Bytes held by a persistent sending queue.', ['exporter', 'data_type'], () =>
          queue.sizeBytes === undefined ? [] : [{ labels: queueLabels, value: queue.sizeBytes }]),
        t.observe('sluice_exporter_queue_capacity_bytes', 'Byte bound of a persistent sending queue.', ['exporter', 'data_type'], () =>
          queue.capacityBytes === undefined ? [] : [{ labels: queueLabels, value: queue.capacityBytes }]),
        t.observe('sluice_exporter_queue_oldest_age_seconds', 'Age of the oldest batch waiting in the queue.', ['exporter', 'data_type'], () => {
          const oldest = queue.oldestEnqueuedAt;
          return [{ labels: queueLabels, value: oldest === undefined ? 0 : (Date.now() - oldest) / 1000 }];
        }),
      );
    }
  }

  async start(): Promise<void> {
    await this.#exporter.start?.();
    this.#accepting = true;
    if (this.#queue !== undefined) {
      for (let i = 0; i < this.#settings.sending_queue.num_consumers; i++) this.#workers.push(this.#work(this.#queue));
    }
  }

  async consume(batch: Batch): Promise<void> {
    if (!this.#accepting) throw new PipelineError('overloaded', `exporter ${this.id} is not running`, QUEUE_FULL_RETRY_AFTER_MS);
    if (this.#queue === undefined) {
      const error = await this.#send(batch);
      if (error !== undefined) throw new PipelineError(isRetryable(error) ? 'overloaded' : 'internal', `exporter ${this.id}: ${errorMessage(error)}`, QUEUE_FULL_RETRY_AFTER_MS);
      return;
    }
    const result = await this.#queue.offer(batch);
    if (result === 'ok') return;
    this.#enqueueFailed.add(batch.itemCount);
    if (result === 'dropped') {
      this.#logger.warn({ exporter: this.id, items: batch.itemCount }, 'sending queue full: batch dropped by when_full policy');
      return;
    }
    throw new PipelineError('overloaded', `exporter ${this.id}: sending queue is ${result === 'full' ? 'full' : 'unavailable'}`, QUEUE_FULL_RETRY_AFTER_MS);
  }

  async #work(queue: ExportQueue): Promise<void> {
    for (;;) {
      let entry: QueueEntry | undefined;
      try {
        entry = await queue.poll();
      } catch (error) {
        // A queue that cannot read one record (a bad sector) must not stop its consumer for good.
        this.#logger.error({ exporter: this.id, error: errorMessage(error) }, 'sending queue read failed');
        if (!(await sleep(100, this.#stop.signal))) return;
        continue;
      }
      if (entry === undefined) {
        if (!(await queue.whenReady())) return;
        continue;
      }
      const error = await this.#send(entry.batch);
      if (error !== undefined && this.#stop.signal.aborted && isRetryable(error)) {
        // Shutdown cut the retries short: a persistent queue keeps the entry for the next start.
        queue.release(entry);
        return;
      }
      queue.ack(entry);
    }
  }

  /** Sends with retries; returns the final error, or undefined when delivered. Counts the outcome. */
  async #send(batch: Batch): Promise<unknown> {
    const retry = this.#settings.retry_on_failure;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const error = await this.#attempt(batch);
      if (error === undefined) {
        this.#sent.add(batch.itemCount);
        const tenant = batch.metadata.tenant;
        if (tenant !== undefined) this.#tenantExported.add(batch.itemCount, { tenant, signal: this.signal, exporter: this.id });
        this.#host.reportHealth(this.id, 'ok');
        return undefined;
      }
      this.#host.reportHealth(this.id, 'failed', errorMessage(error));
      const retryAfterMs = (error as ExportError).retryAfterMs;
      const delay = backoffDelay(retry, attempt, retryAfterMs);
      const elapsed = Date.now() - started;
      const giveUp =
        !isRetryable(error) ||
        !retry.enabled ||
        this.#stop.signal.aborted ||
        (retry.max_elapsed_time > 0 && elapsed + delay > retry.max_elapsed_time);
      if (giveUp) {
        const released = this.#stop.signal.aborted && isRetryable(error) && this.#queue?.persistent === true;
        if (!released) this.#sendFailed.add(batch.itemCount);
        this.#logger.warn(
          { exporter: this.id, signal: this.signal, items: batch.itemCount, attempts: attempt, retryable: isRetryable(error), error: errorMessage(error) },
          released ? 'export interrupted by shutdown' : 'export failed; dropping batch',
        );
        return error;
      }
      this.#retries.add(1);
      this.#logger.debug({ exporter: this.id, attempt, delayMs: Math.round(delay), error: errorMessage(error) }, 'export failed; will retry');
      if (!(await sleep(delay, this.#stop.signal))) {
        if (this.#queue === undefined) this.#sendFailed.add(batch.itemCount);
        return error;
      }
    }
  }

  async #attempt(batch: Batch): Promise<unknown> {
    // One controller and a timer cleared on completion: AbortSignal.timeout's timer would fire for
    // every export long after it finished, and AbortSignal.any keeps weak references to follow.
    const controller = new AbortController();
    const stop = this.#stop.signal;
    let abort!: (error: Error) => void;
    // An exporter that ignores its signal must still not hold a consumer past the timeout.
    const aborted = new Promise<never>((_, reject) => {
      abort = (error) => {
        reject(error);
        controller.abort(error);
      };
    });
    const timer = setTimeout(() => abort(retryableError(`export timed out after ${this.#settings.timeout}ms`)), this.#settings.timeout);
    const onStop = () => abort(retryableError('export interrupted by shutdown'));
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    try {
      await Promise.race([this.#exporter.push(batch, controller.signal), aborted]);
      return undefined;
    } catch (error) {
      return error;
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
  }

  /** Stops accepting, lets the queue drain until the deadline, then interrupts what is left. */
  shutdown(deadline: number = Date.now() + 30_000): Promise<void> {
    this.#shutdown ??= this.#doShutdown(deadline);
    return this.#shutdown;
  }

  async #doShutdown(deadline: number): Promise<void> {
    this.#accepting = false;
    if (this.#queue !== undefined) {
      await this.#queue.close();
      const drained = Promise.all(this.#workers);
      const remaining = Math.max(0, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), remaining);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.#logger.warn({ exporter: this.id, queued: this.#queue.size }, 'shutdown deadline reached; interrupting exports');
        this.#stop.abort();
        await drained;
      }
      this.#stop.abort();
      if (!this.#queue.persistent) {
        // What an in-memory queue still holds after the deadline is lost: count it.
        for (let entry = await this.#queue.poll(); entry !== undefined; entry = await this.#queue.poll()) {
          this.#sendFailed.add(entry.batch.itemCount);
        }
      }
      await this.#queue.dispose?.();
    }
    this.#stop.abort();
    for (const unregister of this.#unregister) unregister();
    await this.#exporter.shutdown?.();
  }
}
