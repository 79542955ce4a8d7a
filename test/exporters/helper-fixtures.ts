// What the exporter helper tests share: a host that records nothing and the helper's settings.
import pino from 'pino';
import type { Exporter, Host } from '../../src/core/component.ts';
import { MemoryBudget } from '../../src/core/memory.ts';
import type { Telemetry } from '../../src/core/telemetry.ts';
import type { ExporterHelperSettings } from '../../src/exporters/helper/config.ts';
import { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import type { ExportQueue } from '../../src/exporters/helper/memory-queue.ts';

const host: Host = { getExtension: () => undefined, reportHealth: () => {}, onOverload: () => {}, setOverload: () => {}, memory: new MemoryBudget() };

/** A traces helper with retries off; `timeout` and `numConsumers` are what the tests vary. */
export function testHelper(options: { id: string; exporter: Exporter; telemetry: Telemetry; timeout: number; numConsumers: number; queue?: ExportQueue }): ExporterHelper {
  const settings: ExporterHelperSettings = {
    timeout: options.timeout,
    sending_queue: { enabled: true, num_consumers: options.numConsumers, queue_size: 10, max_size: 64 << 20, when_full: 'block' },
    retry_on_failure: { enabled: false, initial_interval: 10, randomization_factor: 0, multiplier: 1, max_interval: 10, max_elapsed_time: 100 },
  };
  return new ExporterHelper({ id: options.id, signal: 'traces', exporter: options.exporter, telemetry: options.telemetry, logger: pino({ level: 'silent' }), host, settings, queue: options.queue });
}
