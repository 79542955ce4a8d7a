import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RateLimitedLog } from '../../common/rate-limited-log.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { LogStorageExtension, PersistentQueueBounds, RecordLog, StorageExtension } from '../../core/storage.ts';
import type { Signal } from '../../otlp/types.ts';
import { queueDirectoryName, type FileStorageConfig } from './config.ts';
import { PersistentQueue, type WalFileOpener } from './disk-queue/index.ts';
import { PersistentExportQueue } from './persistent-export-queue.ts';

/** A full disk fails every enqueue: one line per queue and error code per interval, with a count of the rest. */
const DISK_ERROR_LOG_INTERVAL_MS = 10_000;

/** Hands each exporter that names it in `sending_queue.storage` its own write-ahead-logged queue. */
export class FileStorage implements StorageExtension, LogStorageExtension {
  readonly #config: FileStorageConfig;
  readonly #telemetry: Telemetry;
  readonly #logger: Logger;
  readonly #diskErrorLog: RateLimitedLog;
  readonly #openFile: WalFileOpener | undefined;
  readonly #queues: Array<{ exporter: string; signal: Signal; queue: PersistentExportQueue }> = [];
  /** Where this process keeps its queues: `directory`, or with several workers each worker's own folder under it. */
  readonly #directory: string;
  /** Folders no running worker owns (left by a run with more workers, or fewer) that this one drains into its own. */
  readonly #adopted: string[];

  constructor(
    config: FileStorageConfig,
    telemetry: Telemetry,
    logger: Logger,
    seams: { clock?: Clock; openFile?: WalFileOpener; worker?: { index: number; count: number } } = {},
  ) {
    this.#config = config;
    ({ own: this.#directory, adopted: this.#adopted } = workerDirectories(config.directory, seams.worker ?? { index: 0, count: 1 }));
    this.#telemetry = telemetry;
    this.#logger = logger;
    this.#diskErrorLog = new RateLimitedLog(logger, DISK_ERROR_LOG_INTERVAL_MS, seams.clock ?? systemClock);
    this.#openFile = seams.openFile;
    const stat = (pick: (q: PersistentExportQueue) => number) => () =>
      this.#queues.map(({ exporter, signal, queue }) => ({ labels: { exporter, data_type: signal }, value: pick(queue) }));
    telemetry.observe('sluice_exporter_queue_corrupted_records_total', 'Records found corrupted on disk at open and skipped.', ['exporter', 'data_type'], stat((q) => q.stats.corruptedRecords), 'counter');
    telemetry.observe('sluice_exporter_queue_replayed_records_total', 'Records replayed from disk after a restart.', ['exporter', 'data_type'], stat((q) => q.stats.replayedRecords), 'counter');
    telemetry.observe('sluice_exporter_queue_dropped_records_total', 'Records dropped by the when_full policy.', ['exporter', 'data_type'], stat((q) => q.stats.droppedOldest + q.stats.droppedNewest), 'counter');
    telemetry.observe('sluice_exporter_queue_io_errors_total', 'Disk errors (full disk, I/O) met by a persistent queue.', ['exporter', 'data_type'], stat((q) => q.stats.ioErrors), 'counter');
    telemetry.observe('sluice_exporter_queue_in_flight', 'Records taken by consumers and not yet acknowledged.', ['exporter', 'data_type'], stat((q) => q.stats.inFlight));
    telemetry.observe('sluice_exporter_queue_items', 'Telemetry items held by a persistent queue.', ['exporter', 'data_type'], stat((q) => q.stats.items));
  }

  async openQueue(exporterId: string, signal: Signal, bounds: PersistentQueueBounds): Promise<PersistentExportQueue> {
    const directory = join(this.#directory, queueDirectoryName(exporterId, signal));
    const queue = await PersistentQueue.open({
      directory,
      maxBytes: bounds.maxBytes,
      whenFull: bounds.whenFull,
      fsync: this.#config.fsync,
      segmentBytes: this.#config.segment_size,
      checkpointIntervalMs: this.#config.checkpoint_interval,
      cacheBytes: this.#config.cache_size,
      openFile: this.#openFile,
      onIoError: (operation, error) => {
        const code = (error as NodeJS.ErrnoException | undefined)?.code;
        this.#diskErrorLog.log(
          'error',
          `${exporterId}\u0000${signal}\u0000${code ?? 'io'}`,
          { exporter: exporterId, data_type: signal, directory, operation, code, error: errorMessage(error) },
          code === 'ENOSPC' ? 'persistent queue: disk full' : 'persistent queue: disk error',
        );
      },
    });
    const corrupted = queue.stats.corruptedRecords;
    if (corrupted > 0) {
      this.#logger.warn({ exporter: exporterId, data_type: signal, directory, corrupted_records: corrupted }, 'persistent queue: corrupted records found at open were skipped');
    }
    await this.#adopt(queueDirectoryName(exporterId, signal), queue);
    const exportQueue = new PersistentExportQueue(queue, signal);
    this.#queues.push({ exporter: exporterId, signal, queue: exportQueue });
    return exportQueue;
  }

  /**
   * A write-ahead log for a processor's own state (the sampler's buffer), in its own folder under
   * `directory`, with this extension's fsync and segment settings. `block` when full: the owner refuses.
   */
  async openLog(owner: string, name: string, maxBytes: number): Promise<RecordLog> {
    const log = await PersistentQueue.open({
      directory: join(this.#directory, queueDirectoryName(owner, name)),
      maxBytes,
      whenFull: 'block',
      fsync: this.#config.fsync,
      segmentBytes: this.#config.segment_size,
      checkpointIntervalMs: this.#config.checkpoint_interval,
      cacheBytes: this.#config.cache_size,
      openFile: this.#openFile,
    });
    await this.#adopt(queueDirectoryName(owner, name), log);
    return log;
  }

  /**
   * Moves what an orphaned folder's queue of the same name holds into `into`, oldest first, and
   * removes it once empty. A record is acknowledged there only after it is durable here, so a
   * crash in between sends it twice rather than never. What does not fit stays for the next start.
   */
  async #adopt(name: string, into: PersistentQueue): Promise<void> {
    for (const folder of this.#adopted) {
      const directory = join(folder, name);
      if (!existsSync(directory)) continue;
      const orphan = await PersistentQueue.open({ directory, maxBytes: Number.MAX_SAFE_INTEGER, whenFull: 'block', fsync: this.#config.fsync, openFile: this.#openFile });
      let moved = 0;
      for (let record = await orphan.poll(); record !== undefined; record = await orphan.poll()) {
        const result = await into.enqueue(record.payload, { items: record.items, tenant: record.tenant });
        if (!result.ok) {
          orphan.nack(record);
          break;
        }
        orphan.ack(record);
        moved++;
      }
      const left = orphan.stats.records;
      await orphan.close();
      if (left === 0) rmSync(directory, { recursive: true, force: true });
      this.#logger.info({ from: directory, records: moved, left }, 'persistent queue: took over the records of a worker that no longer runs');
    }
  }

  /** Each queue is closed by its exporter, after draining; nothing is left to do here. */
  shutdown(): void {}
}

/**
 * One process keeps its queues in `directory`; worker i of several in `directory/worker-i`. Each
 * folder no running worker owns goes to one that does: `directory` itself to worker 0 (it held a
 * single process's queues), `worker-j` beyond the count to worker j mod count, and with one
 * process every `worker-j`. So a restart with fewer workers, or more, still drains every queue.
 */
export function workerDirectories(directory: string, worker: { index: number; count: number }): { own: string; adopted: string[] } {
  const single = worker.count === 1;
  const own = single ? directory : join(directory, `worker-${worker.index}`);
  const adopted: string[] = [];
  if (!single && worker.index === 0) adopted.push(directory);
  let entries: string[] = [];
  try {
    entries = readdirSync(directory);
  } catch {
    return { own, adopted };
  }
  for (const entry of entries) {
    const match = /^worker-(\d+)$/.exec(entry);
    if (match === null) continue;
    const j = Number(match[1]);
    if (single || (j >= worker.count && j % worker.count === worker.index)) adopted.push(join(directory, entry));
  }
  return { own, adopted };
}
