// What the exporter helper tests share: a host that records health, the helper's settings, and a
// logger whose lines the test can read.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { Batch } from '../../src/core/batch.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Exporter, HealthState, Host } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { MemoryBudget } from '../../src/core/memory.ts';
import type { ExportQueue } from '../../src/core/storage.ts';
import type { Telemetry } from '../../src/core/telemetry.ts';
import type { ExporterHelperSettings, RetrySettings } from '../../src/exporters/helper/config.ts';
import { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';

export const RETRY_OFF: RetrySettings = { enabled: false, initial_interval: 10, randomization_factor: 0, multiplier: 1, max_interval: 10, max_elapsed_time: 100 };

/** A host whose health reports land in `health`. */
export function recordingHost(health: Array<{ id: string; state: HealthState }> = []): Host {
  return {
    getExtension: () => undefined,
    reportHealth: (id, state) => void health.push({ id, state }),
    onHealth: () => {},
    onOverload: () => {},
    setOverload: () => {},
    memory: new MemoryBudget(),
  };
}

/** A pino logger at `level` whose JSON lines are kept in `lines`. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** A traces batch of `items` items with an empty body; the helper never reads the bytes. */
export function itemsBatch(items: number): Batch {
  return Batch.fromBytes('traces', new Uint8Array(0), items, internalMetadata());
}

/** A traces helper with retries off unless given; `timeout` and `numConsumers` are what most tests vary. */
export function testHelper(options: {
  id: string;
  exporter: Exporter;
  telemetry: Telemetry;
  timeout: number;
  numConsumers: number;
  queue?: ExportQueue;
  queueSize?: number;
  queueEnabled?: boolean;
  retry?: RetrySettings;
  clock?: Clock;
  logger?: Logger;
  host?: Host;
}): ExporterHelper {
  const settings: ExporterHelperSettings = {
    timeout: options.timeout,
    sending_queue: { enabled: options.queueEnabled ?? true, num_consumers: options.numConsumers, queue_size: options.queueSize ?? 10, max_size: 64 << 20, when_full: 'block', sizer: 'requests', block_on_overflow: false, batch: undefined },
    retry_on_failure: options.retry ?? RETRY_OFF,
  };
  return new ExporterHelper({
    id: options.id,
    signal: 'traces',
    exporter: options.exporter,
    telemetry: options.telemetry,
    logger: options.logger ?? pino({ level: 'silent' }),
    host: options.host ?? recordingHost(),
    settings,
    queue: options.queue,
    clock: options.clock,
    random: () => 0.5,
  });
}
