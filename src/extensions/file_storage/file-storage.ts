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

  constructor(config: FileStorageConfig, telemetry: Telemetry, logger: Logger, seams: { clock?: Clock; openFile?: WalFileOpener } = {}) {
    this.#config = config;
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
    const directory = join(this.#config.directory, queueDirectoryName(exporterId, signal));
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
    const exportQueue = new PersistentExportQueue(queue, signal);
    this.#queues.push({ exporter: exporterId, signal, queue: exportQueue });
    return exportQueue;
  }

  /**
   * A write-ahead log for a processor's own state (the sampler's buffer), in its own folder under
   * `directory`, with this extension's fsync and segment settings. `block` when full: the owner refuses.
   */
  openLog(owner: string, name: string, maxBytes: number): Promise<RecordLog> {
    return PersistentQueue.open({
      directory: join(this.#config.directory, queueDirectoryName(owner, name)),
      maxBytes,
      whenFull: 'block',
      fsync: this.#config.fsync,
      segmentBytes: this.#config.segment_size,
      checkpointIntervalMs: this.#config.checkpoint_interval,
      cacheBytes: this.#config.cache_size,
      openFile: this.#openFile,
    });
  }

  /** Each queue is closed by its exporter, after draining; nothing is left to do here. */
  shutdown(): void {}
}
