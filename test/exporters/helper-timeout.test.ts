// The helper's timeout holds even against an exporter that ignores its abort signal, and shutdown
// interrupts an export in flight.
import { describe, expect, test, vi } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Exporter } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import type { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import { scanRequest } from '../../src/otlp/index.ts';
import { metricValue } from '../e2e/harness.ts';
import { sdkTraces } from '../otlp/sdk-fixtures.ts';
import { testHelper } from './helper-fixtures.ts';

async function batch(): Promise<Batch> {
  const bytes = (await sdkTraces(2)).proto;
  return Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());
}

/** A helper around an exporter whose push never settles and ignores its signal; records the signals. */
async function startStuck(timeout = 50): Promise<{ stuck: ExporterHelper; signals: AbortSignal[]; telemetry: Telemetry }> {
  const telemetry = new Telemetry();
  const signals: AbortSignal[] = [];
  const exporter: Exporter = { push: (_batch, signal) => (signals.push(signal), new Promise(() => {})) };
  const stuck = testHelper({ id: 'stuck', exporter, telemetry, timeout, numConsumers: 1 });
  await stuck.start();
  return { stuck, signals, telemetry };
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
    // The timeout is far away, so only the shutdown can end this push: no clock is read.
    const { stuck, signals } = await startStuck(600_000);
    await stuck.consume(await batch());
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    await stuck.shutdown(Date.now() + 5);
    expect(signals[0].aborted).toBe(true);
    expect(String(signals[0].reason)).toMatch(/interrupted by shutdown/);
  });
});
