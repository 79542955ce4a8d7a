// The sending queue: bounded, a full queue refuses with a retryable error and counts the refused
// items as enqueue_failed, and what is still queued at the shutdown deadline is counted as failed.
import { describe, expect, test } from 'vitest';
import type { Exporter } from '../../src/core/component.ts';
import { PipelineError } from '../../src/core/errors.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import type { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import { MemoryQueue } from '../../src/exporters/helper/memory-queue.ts';
import { metricValue } from '../e2e/harness.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { itemsBatch, testHelper } from './helper-fixtures.ts';

describe('memory queue', () => {
  test('is FIFO and refuses past its capacity', async () => {
    const queue = new MemoryQueue(2, new ManualClock());
    const [a, b, c] = [itemsBatch(1), itemsBatch(2), itemsBatch(3)];
    expect(await queue.offer(a)).toBe('ok');
    expect(await queue.offer(b)).toBe('ok');
    expect(await queue.offer(c)).toBe('full');
    expect((await queue.poll())?.batch).toBe(a);
    expect(await queue.offer(c)).toBe('ok');
    expect((await queue.poll())?.batch).toBe(b);
    expect((await queue.poll())?.batch).toBe(c);
    expect(await queue.poll()).toBeUndefined();
  });

  test('a closed queue refuses and tells idle consumers to stop', async () => {
    const queue = new MemoryQueue(2);
    const waiting = queue.whenReady();
    await queue.close();
    expect(await waiting).toBe(false);
    expect(await queue.offer(itemsBatch(1))).toBe('full');
  });
});

/** A started helper (one consumer, room for 4) whose push never settles, holding a 1-item batch in flight. */
async function stuckWithOneInFlight(id: string): Promise<{ helper: ExporterHelper; clock: ManualClock; telemetry: Telemetry }> {
  const clock = new ManualClock();
  const telemetry = new Telemetry();
  const exporter: Exporter = { push: () => new Promise<void>(() => {}) };
  const helper = testHelper({ id, exporter, telemetry, timeout: 0, numConsumers: 1, queueSize: 4, clock });
  await helper.start();
  await helper.consume(itemsBatch(1));
  await clock.advance(0);
  return { helper, clock, telemetry };
}

describe('exporter helper queue', () => {
  test('a full queue refuses with a retryable PipelineError and counts enqueue_failed; the queued batches are still sent', async () => {
    const clock = new ManualClock();
    const telemetry = new Telemetry();
    const release: Array<() => void> = [];
    const exporter: Exporter = { push: () => new Promise<void>((resolve) => release.push(resolve)) };
    const helper = testHelper({ id: 'slow', exporter, telemetry, timeout: 0, numConsumers: 1, queueSize: 2, clock });
    await helper.start();
    await helper.consume(itemsBatch(1)); // taken by the consumer, whose push hangs
    await clock.advance(0);
    await helper.consume(itemsBatch(2));
    await helper.consume(itemsBatch(3));
    const refusal = await helper.consume(itemsBatch(5)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PipelineError);
    expect(refusal).toMatchObject({ kind: 'overloaded', retryable: true });
    expect((refusal as PipelineError).retryAfterMs).toBeGreaterThan(0);
    let page = telemetry.render();
    expect(metricValue(page, 'otelcol_exporter_enqueue_failed_spans_total', { exporter: 'slow' })).toBe(5);
    expect(metricValue(page, 'otelcol_exporter_queue_size', { exporter: 'slow' })).toBe(2);
    expect(metricValue(page, 'otelcol_exporter_queue_capacity', { exporter: 'slow' })).toBe(2);

    for (let i = 0; i < 3; i++) {
      release.shift()?.();
      await clock.advance(0);
    }
    page = telemetry.render();
    expect(metricValue(page, 'otelcol_exporter_sent_spans_total', { exporter: 'slow' })).toBe(6);
    expect(metricValue(page, 'otelcol_exporter_queue_size', { exporter: 'slow' })).toBe(0);
    await helper.shutdown(clock.now());
  });

  test('the oldest batch’s age is read from the clock', async () => {
    const { helper, clock, telemetry } = await stuckWithOneInFlight('aging');
    await helper.consume(itemsBatch(1));
    await clock.advance(2_500);
    expect(metricValue(telemetry.render(), 'sluice_exporter_queue_oldest_age_seconds', { exporter: 'aging' })).toBe(2.5);
    const done = helper.shutdown(clock.now());
    await clock.advance(0);
    await done;
  });

  test('at the shutdown deadline, what the memory queue still holds is counted as failed', async () => {
    const { helper, clock, telemetry } = await stuckWithOneInFlight('stuck');
    await helper.consume(itemsBatch(2));
    await helper.consume(itemsBatch(4));
    const done = helper.shutdown(clock.now() + 1_000);
    await clock.advance(1_000);
    await done;
    // 1 in flight (interrupted) + 2 + 4 still queued.
    expect(metricValue(telemetry.render(), 'otelcol_exporter_send_failed_spans_total', { exporter: 'stuck' })).toBe(7);
    await expect(helper.consume(itemsBatch(1))).rejects.toMatchObject({ kind: 'overloaded' });
  });

  test('without a queue, consume waits for the send; a failed send is refused to the client and counted', async () => {
    const telemetry = new Telemetry();
    const exporter: Exporter = {
      push: async () => {
        throw new Error('bad');
      },
    };
    const helper = testHelper({ id: 'direct', exporter, telemetry, timeout: 0, numConsumers: 1, queueEnabled: false });
    await helper.start();
    // A plain Error is treated as transient (a bug must not lose data silently): the client may retry.
    await expect(helper.consume(itemsBatch(3))).rejects.toMatchObject({ kind: 'overloaded' });
    expect(metricValue(telemetry.render(), 'otelcol_exporter_send_failed_spans_total', { exporter: 'direct' })).toBe(3);
    await helper.shutdown();
  });
});
