import type { Batch } from '../../core/batch.ts';
import type { Clock } from '../../core/clock.ts';
import type { ExportQueue } from '../../core/storage.ts';
import { ITEM_NAMES, type BoundCounter, type Telemetry } from '../../core/telemetry.ts';
import type { Signal } from '../../otlp/types.ts';

/** The Collector's exporterhelper metrics for one exporter instance, plus Sluice's queue and tenant ones. */
export class ExporterMetrics {
  readonly #exporterId: string;
  readonly #signal: Signal;
  readonly #sent: BoundCounter;
  readonly #sendFailed: BoundCounter;
  readonly #enqueueFailed: BoundCounter;
  readonly #retries: BoundCounter;
  readonly #tenantExported: ReturnType<Telemetry['counter']>;
  readonly #unregister: Array<() => void> = [];

  constructor(telemetry: Telemetry, exporterId: string, signal: Signal) {
    this.#exporterId = exporterId;
    this.#signal = signal;
    const t = telemetry;
    const items = ITEM_NAMES[signal];
    const labels = { exporter: exporterId };
    this.#sent = t.counter(`otelcol_exporter_sent_${items}_total`, `Number of ${items.replace('_', ' ')} successfully sent to destination.`, ['exporter']).bind(labels);
    this.#sendFailed = t.counter(`otelcol_exporter_send_failed_${items}_total`, `Number of ${items.replace('_', ' ')} that failed to be sent to destination.`, ['exporter']).bind(labels);
    this.#enqueueFailed = t.counter(`otelcol_exporter_enqueue_failed_${items}_total`, `Number of ${items.replace('_', ' ')} that failed to be added to the sending queue.`, ['exporter']).bind(labels);
    this.#retries = t.counter('sluice_exporter_retries_total', 'Send attempts that failed and were retried.', ['exporter', 'data_type']).bind({ exporter: exporterId, data_type: signal });
    this.#tenantExported = t.counter('sluice_tenant_exported_items_total', 'Items delivered to an exporter backend, per tenant.', ['tenant', 'signal', 'exporter']);
  }

  sent(batch: Batch): void {
    this.#sent.add(batch.itemCount);
    const tenant = batch.metadata.tenant;
    if (tenant !== undefined) this.#tenantExported.add(batch.itemCount, { tenant, signal: this.#signal, exporter: this.#exporterId });
  }

  sendFailed(items: number): void {
    this.#sendFailed.add(items);
  }

  enqueueFailed(items: number): void {
    this.#enqueueFailed.add(items);
  }

  retried(): void {
    this.#retries.add(1);
  }

  /** Queue gauges, read at scrape time; removed by close(). */
  observeQueue(telemetry: Telemetry, queue: ExportQueue, clock: Clock): void {
    const t = telemetry;
    const queueLabels = { exporter: this.#exporterId, data_type: this.#signal };
    this.#unregister.push(
      t.observe('otelcol_exporter_queue_size', 'Current size of the retry queue (in batches).', ['exporter', 'data_type'], () => [{ labels: queueLabels, value: queue.size }]),
      t.observe('otelcol_exporter_queue_capacity', 'Fixed capacity of the retry queue (in batches).', ['exporter', 'data_type'], () => [{ labels: queueLabels, value: queue.capacity }]),
      t.observe('sluice_exporter_queue_size_bytes', 'Bytes held by a persistent sending queue.', ['exporter', 'data_type'], () =>
        queue.sizeBytes === undefined ? [] : [{ labels: queueLabels, value: queue.sizeBytes }]),
      t.observe('sluice_exporter_queue_capacity_bytes', 'Byte bound of a persistent sending queue.', ['exporter', 'data_type'], () =>
        queue.capacityBytes === undefined ? [] : [{ labels: queueLabels, value: queue.capacityBytes }]),
      t.observe('sluice_exporter_queue_oldest_age_seconds', 'Age of the oldest batch waiting in the queue.', ['exporter', 'data_type'], () => {
        const oldest = queue.oldestEnqueuedAt;
        return [{ labels: queueLabels, value: oldest === undefined ? 0 : (clock.now() - oldest) / 1000 }];
      }),
    );
  }

  close(): void {
    for (const unregister of this.#unregister.splice(0)) unregister();
  }
}
