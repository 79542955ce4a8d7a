import { systemClock, type Clock } from '../../core/clock.ts';
import type { Host } from '../../core/component.ts';
import { isStorageExtension, type ExportQueue } from '../../core/storage.ts';
import type { Signal } from '../../otlp/types.ts';
import type { ExporterHelperSettings } from './config.ts';
import { MemoryQueue } from './memory-queue.ts';

// Where an exporter's sending queue comes from, for every owner of one: the service (one queue per
// exporter) and the loadbalancing exporter (one per backend). Both get the same queue for the
// same settings: on disk when `sending_queue.storage` names a storage extension, else in memory
// with the settings' sizer and overflow policy, its bytes counted in the memory budget.

/** The in-memory sending queue the settings describe. */
export function memorySendingQueue(settings: ExporterHelperSettings, host: Host, clock: Clock = systemClock): MemoryQueue {
  const queue = settings.sending_queue;
  return new MemoryQueue(queue.queue_size, clock, { sizer: queue.sizer, blockOnOverflow: queue.block_on_overflow, held: host.memory.holder('exporter_queue') });
}

/**
 * The persistent queue `sending_queue.storage` names, or undefined without one (or with the queue
 * off). `path` names the setting in the error, for a host built by hand: the graph build reports a
 * bad reference before anything starts.
 */
export async function persistentSendingQueue(host: Host, exporterId: string, signal: Signal, settings: ExporterHelperSettings, path = 'sending_queue.storage'): Promise<ExportQueue | undefined> {
  const storageId = settings.sending_queue?.storage;
  if (storageId === undefined || !settings.sending_queue.enabled) return undefined;
  const storage = host.getExtension(storageId);
  if (!isStorageExtension(storage)) {
    throw new Error(`exporter ${exporterId}: ${path} "${storageId}" is not a running storage extension (add it to service.extensions)`);
  }
  return storage.openQueue(exporterId, signal, { maxBytes: settings.sending_queue.max_size, whenFull: settings.sending_queue.when_full });
}
