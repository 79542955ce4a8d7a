import type { Logger } from 'pino';
import { RateLimitedLog } from '../../common/rate-limited-log.ts';
import type { Batch } from '../../core/batch.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Consumer, Exporter, Host } from '../../core/component.ts';
import { errorMessage, isRetryable, PipelineError } from '../../core/errors.ts';
import type { ExportQueue } from '../../core/storage.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { Signal } from '../../otlp/types.ts';
import type { ExporterHelperSettings } from './config.ts';
import { memorySendingQueue } from './open-queue.ts';
import { retryUntilDone } from './retry.ts';
import { ExporterMetrics } from './self-metrics.ts';
import { QueueConsumers } from './sending-queue.ts';
import { pushWithTimeout } from './timeout.ts';
import { heartbeatBoard, type HeartbeatTap } from '../../core/heartbeat.ts';
import { ExportLatency } from '../../core/latency.ts';

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
  /** Time for timeouts, backoff and the shutdown deadline; tests pass a manual one. */
  clock?: Clock;
  /** Jitter source for the backoff. */
  random?: () => number;
}

/** How long a client should wait after a full queue; long enough for a retry burst to pass. */
const QUEUE_FULL_RETRY_AFTER_MS = 5_000;
/** A dead backend fails every attempt: one failure line per exporter per interval, with a count of the rest. */
export const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Stacks queue → retry → timeout → push around an exporter, so the exporter writes only push().
 * Each exporter instance has its own queue and consumers: a dead backend fills its own queue and
 * refuses, and never slows another exporter or the receiver. The parts live beside this file:
 * memory-queue and sending-queue (queue), retry, timeout, self-metrics.
 */
export class ExporterHelper implements Consumer {
  readonly id: string;
  readonly signal: Signal;
  readonly #exporter: Exporter;
  readonly #settings: ExporterHelperSettings;
  readonly #logger: Logger;
  readonly #failureLog: RateLimitedLog;
  readonly #host: Host;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #queue: ExportQueue | undefined;
  readonly #consumers: QueueConsumers | undefined;
  readonly #stop = new AbortController();
  readonly #metrics: ExporterMetrics;
  readonly #exportLatency: ExportLatency;
  readonly #heartbeats: HeartbeatTap;
  #accepting = false;
  #shutdown: Promise<void> | undefined;

  constructor(options: ExporterHelperOptions) {
    this.id = options.id;
    this.signal = options.signal;
    this.#exporter = options.exporter;
    this.#settings = options.settings;
    this.#host = options.host;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger.child({ exporter: options.id, signal: options.signal });
    this.#failureLog = new RateLimitedLog(this.#logger, FAILURE_LOG_INTERVAL_MS, this.#clock);
    this.#metrics = new ExporterMetrics(options.telemetry, options.id, options.signal);
    this.#exportLatency = new ExportLatency(options.telemetry, options.id);
    this.#heartbeats = heartbeatBoard(options.telemetry).tap(options.signal, options.id);
    const queueSettings = options.settings.sending_queue;
    this.#queue = queueSettings.enabled ? (options.queue ?? memorySendingQueue(options.settings, options.host, this.#clock)) : undefined;
    if (this.#queue !== undefined) {
      this.#metrics.observeQueue(options.telemetry, this.#queue, this.#clock);
      const batch = queueSettings.batch;
      // The Collector's exporter-side batching (`batch:` alone enables its defaults): a consumer gathers towards min_size, never past max_size.
      const batching = batch === undefined ? undefined : { targetItems: batch?.min_size ?? 8192, maxItems: batch?.max_size ?? 0, byRequests: batch?.sizer === 'requests' };
      this.#consumers = new QueueConsumers(this.#queue, (batch, enqueuedAt) => this.#send(batch, enqueuedAt), this.#stop.signal, this.#logger, this.#clock, batching);
    }
  }

  async start(): Promise<void> {
    await this.#exporter.start?.();
    this.#accepting = true;
    this.#consumers?.start(this.#settings.sending_queue.num_consumers);
  }

  async consume(batch: Batch): Promise<void> {
    if (!this.#accepting) throw new PipelineError('overloaded', `exporter ${this.id} is not running`, QUEUE_FULL_RETRY_AFTER_MS);
    if (this.#queue === undefined) {
      const error = await this.#send(batch, this.#clock.now());
      if (error !== undefined) throw new PipelineError(isRetryable(error) ? 'overloaded' : 'internal', `exporter ${this.id}: ${errorMessage(error)}`, QUEUE_FULL_RETRY_AFTER_MS);
      return;
    }
    const result = await this.#queue.offer(batch);
    if (result === 'ok') return;
    this.#metrics.enqueueFailed(batch.itemCount);
    if (result === 'dropped') {
      this.#failureLog.log('warn', 'when_full', { items: batch.itemCount }, 'sending queue full: batch dropped by when_full policy');
      return;
    }
    throw new PipelineError('overloaded', `exporter ${this.id}: sending queue is ${result === 'full' ? 'full' : 'unavailable'}`, QUEUE_FULL_RETRY_AFTER_MS);
  }

  /** Sends with retries; returns the final error, or undefined when delivered. Counts and logs the outcome. */
  async #send(batch: Batch, acceptedAt: number): Promise<unknown> {
    // Here, not at accept: a persistent queue hands back a new Batch, and delivery must be told of the one that was looked at.
    if (this.#heartbeats.pending !== 0) batch = this.#heartbeats.arrive(batch);
    const outcome = await retryUntilDone(() => pushWithTimeout(this.#exporter, batch, this.#settings.timeout, this.#stop.signal, this.#clock), {
      settings: this.#settings.retry_on_failure,
      stop: this.#stop.signal,
      clock: this.#clock,
      random: this.#random,
      onFailure: (error, attempt, retryInMs) => {
        this.#host.reportHealth(this.id, 'failed', errorMessage(error));
        if (retryInMs === undefined) return;
        this.#metrics.retried();
        this.#failureLog.log('info', 'retry', { attempt, delayMs: Math.round(retryInMs), error: errorMessage(error) }, 'export failed; will retry');
      },
    });
    const error = outcome.error;
    if (error === undefined) {
      this.#metrics.sent(batch);
      this.#exportLatency.delivered(batch, acceptedAt);
      this.#heartbeats.delivered(batch);
      this.#host.reportHealth(this.id, 'ok');
      return undefined;
    }
    // A persistent queue keeps what shutdown interrupted; anything else interrupted or given up on is lost.
    const kept = outcome.interrupted && isRetryable(error) && this.#queue?.persistent === true;
    if (!kept) this.#metrics.sendFailed(batch.itemCount);
    const fields = { items: batch.itemCount, attempts: outcome.attempts, retryable: isRetryable(error), error: errorMessage(error) };
    if (outcome.interrupted) this.#logger.warn(fields, kept ? 'export interrupted by shutdown; the queue keeps the batch' : 'export interrupted by shutdown; dropping batch');
    else this.#failureLog.log('error', 'dropped', fields, 'export failed; dropping batch');
    return error;
  }

  /** Stops accepting, lets the queue drain until the deadline, then interrupts what is left. */
  shutdown(deadline: number = this.#clock.now() + 30_000): Promise<void> {
    this.#shutdown ??= this.#doShutdown(deadline);
    return this.#shutdown;
  }

  async #doShutdown(deadline: number): Promise<void> {
    this.#accepting = false;
    const queue = this.#queue;
    if (queue !== undefined && this.#consumers !== undefined) {
      await queue.close();
      if (!(await this.#consumers.finished(deadline))) {
        this.#logger.warn({ queued: queue.size }, 'shutdown deadline reached; interrupting exports');
        this.#stop.abort();
        await this.#consumers.finished(Number.POSITIVE_INFINITY);
      }
      this.#stop.abort();
      if (!queue.persistent) {
        // What an in-memory queue still holds after the deadline is lost: count it.
        for (let entry = await queue.poll(); entry !== undefined; entry = await queue.poll()) this.#metrics.sendFailed(entry.batch.itemCount);
      }
      await queue.dispose?.();
    }
    this.#stop.abort();
    this.#metrics.close();
    await this.#exporter.shutdown?.();
  }
}
