// The helper's timeout holds even against an exporter that ignores its abort signal, and shutdown
// interrupts an export in flight.
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Exporter, Host } from '../../src/core/component.ts';
import { newOutcome } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import { scanRequest } from '../../src/otlp/index.ts';
import { metricValue } from '../e2e/harness.ts';
import { sdkTraces } from '../otlp/sdk-fixtures.ts';

const host: Host = { getExtension: () => undefined, reportHealth: () => {}, onOverload: () => {}, setOverload: () => {} };

async function batch(): Promise<Batch> {
  const bytes = (await sdkTraces(2)).proto;
  return Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), { tenant: undefined, principal: undefined, clientAddress: '', headers: {}, receivedAt: 0, transport: 'internal', outcome: newOutcome() });
}

/** A helper around an exporter whose push never settles and ignores its signal; records the signals. */
async function startStuck(): Promise<{ stuck: ExporterHelper; signals: AbortSignal[]; telemetry: Telemetry }> {
  const telemetry = new Telemetry();
  const signals: AbortSignal[] = [];
  const exporter: Exporter = { push: (_batch, signal) => (signals.push(signal), new Promise(() => {})) };
  const stuck = helper(exporter, telemetry);
  await stuck.start();
  return { stuck, signals, telemetry };
}

function helper(exporter: Exporter, telemetry: Telemetry): ExporterHelper {
  return new ExporterHelper({
    id: 'stuck',
    signal: 'traces',
    exporter,
    telemetry,
    logger: pino({ level: 'silent' }),
    host,
    settings: {
      timeout: 50,
      sending_queue: { enabled: true, num_consumers: 1, queue_size: 10, max_size: 1 << 20, when_full: 'block' },
      retry_on_failure: { enabled: false, initial_interval: 10, randomization_factor: 0, multiplier: 1, max_interval: 10, max_elapsed_time: 100 },
    },
  });
}

describe('exporter helper timeout', () => {
  test('an export that never settles is failed at the timeout, its signal aborted, and the consumer moves on', async () => {
    const { stuck, signals, telemetry } = await startStuck();
    const [first, second] = [await batch(), await batch()];
    await stuck.consume(first);
    await stuck.consume(second);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // One consumer: the second push only started because the first was given up on.
    expect(signals).toHaveLength(2);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(String(signals[0].reason)).toMatch(/timed out after 50ms/);
    expect(metricValue(telemetry.render(), 'otelcol_exporter_send_failed_spans_total', { exporter: 'stuck' })).toBe(first.itemCount + second.itemCount);
    await stuck.shutdown(Date.now());
  });

  test('shutdown past its deadline interrupts an export in flight', async () => {
    const { stuck, signals } = await startStuck();
    await stuck.consume(await batch());
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    await stuck.shutdown(Date.now() + 5);
    expect(Date.now() - started).toBeLessThan(45); // before the 50 ms timeout
    expect(String(signals[0].reason)).toMatch(/interrupted by shutdown/);
  });
});
