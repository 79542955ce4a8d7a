// The helper's timeout holds even against an exporter that ignores its abort signal, a zero
// timeout means none (as in the Collector), and shutdown interrupts an export in flight. Time is
// a manual clock: nothing here sleeps or measures real time.
import { describe, expect, test } from 'vitest';
import type { Exporter } from '../../src/core/component.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import type { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import { metricValue } from '../e2e/harness.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { itemsBatch, testHelper } from './helper-fixtures.ts';

/** A helper around an exporter whose push never settles and ignores its signal; records the signals. */
async function startStuck(timeout: number): Promise<{ stuck: ExporterHelper; signals: AbortSignal[]; telemetry: Telemetry; clock: ManualClock }> {
  const telemetry = new Telemetry();
  const clock = new ManualClock();
  const signals: AbortSignal[] = [];
  const exporter: Exporter = { push: (_batch, signal) => (signals.push(signal), new Promise(() => {})) };
  const stuck = testHelper({ id: 'stuck', exporter, telemetry, timeout, numConsumers: 1, clock });
  await stuck.start();
  return { stuck, signals, telemetry, clock };
}

describe('exporter helper timeout', () => {
  test('an export that never settles is failed at the timeout, its signal aborted, and the consumer moves on', async () => {
    const { stuck, signals, telemetry, clock } = await startStuck(50);
    await stuck.consume(itemsBatch(2));
    await stuck.consume(itemsBatch(3));
    await clock.advance(49);
    expect(signals).toHaveLength(1);
    expect(signals[0].aborted).toBe(false);
    await clock.advance(1);
    // One consumer: the second push only started because the first was given up on.
    expect(signals).toHaveLength(2);
    expect(String(signals[0].reason)).toMatch(/timed out after 50ms/);
    await clock.advance(50);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(metricValue(telemetry.render(), 'otelcol_exporter_send_failed_spans_total', { exporter: 'stuck' })).toBe(5);
    await stuck.shutdown(clock.now());
  });

  test('timeout 0 means no timeout: a slow export is delivered, and no timer is armed for it', async () => {
    const telemetry = new Telemetry();
    const clock = new ManualClock();
    let finish!: () => void;
    const exporter: Exporter = { push: () => new Promise<void>((resolve) => (finish = resolve)) };
    const helper = testHelper({ id: 'patient', exporter, telemetry, timeout: 0, numConsumers: 1, clock });
    await helper.start();
    await helper.consume(itemsBatch(4));
    await clock.advance(10 * 60_000);
    expect(clock.pending).toEqual([]);
    finish();
    await clock.advance(0);
    expect(metricValue(telemetry.render(), 'otelcol_exporter_sent_spans_total', { exporter: 'patient' })).toBe(4);
    expect(metricValue(telemetry.render(), 'otelcol_exporter_send_failed_spans_total', { exporter: 'patient' })).toBe(0);
    await helper.shutdown(clock.now());
  });

  test('shutdown past its deadline interrupts an export in flight, before the export timeout', async () => {
    const { stuck, signals, telemetry, clock } = await startStuck(50);
    await stuck.consume(itemsBatch(2));
    await clock.advance(10);
    const done = stuck.shutdown(clock.now() + 5);
    let finished = false;
    void done.then(() => (finished = true));
    await clock.advance(4);
    expect(finished).toBe(false);
    await clock.advance(1);
    await done;
    expect(String(signals[0].reason)).toMatch(/interrupted by shutdown/);
    // In memory, an interrupted batch is lost: counted, never silently.
    expect(metricValue(telemetry.render(), 'otelcol_exporter_send_failed_spans_total', { exporter: 'stuck' })).toBe(2);
  });
});
