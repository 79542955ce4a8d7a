// Retry with backoff and jitter, on a manual clock: the waits grow by the multiplier up to the
// cap, jitter stays within the randomization factor, a server's Retry-After is a floor, permanent
// errors are not retried, and max_elapsed_time ends the retries. Failures are logged at info,
// rate-limited, so a dead backend is visible at the default level without flooding the log.
import { describe, expect, test } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { Exporter } from '../../src/core/component.ts';
import { permanentError, retryableError } from '../../src/core/errors.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import type { RetrySettings } from '../../src/exporters/helper/config.ts';
import { FAILURE_LOG_INTERVAL_MS } from '../../src/exporters/helper/exporter-helper.ts';
import { backoffDelay, retryUntilDone } from '../../src/exporters/helper/retry.ts';
import { metricValue } from '../e2e/harness.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { capturingLogger, itemsBatch, recordingHost, testHelper } from './helper-fixtures.ts';

const RETRY: RetrySettings = { enabled: true, initial_interval: 1_000, randomization_factor: 0.5, multiplier: 2, max_interval: 5_000, max_elapsed_time: 60_000 };

describe('backoffDelay', () => {
  test('grows by the multiplier and stops at max_interval', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(RETRY, attempt, undefined, mid))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  test('jitter spans base ± randomization_factor × base', () => {
    expect(backoffDelay(RETRY, 2, undefined, () => 0)).toBe(1_000);
    expect(backoffDelay(RETRY, 2, undefined, () => 0.999999)).toBeCloseTo(3_000, 0);
  });

  test("a server's Retry-After is a floor, not a replacement", () => {
    expect(backoffDelay(RETRY, 1, 7_000, () => 0.5)).toBe(7_000);
    expect(backoffDelay(RETRY, 3, 100, () => 0.5)).toBe(4_000);
  });
});

describe('retryUntilDone', () => {
  test('retries a retryable error after each backoff, in order, until it succeeds', async () => {
    const clock = new ManualClock();
    const calls: number[] = [];
    const waits: Array<number | undefined> = [];
    const done = retryUntilDone(
      async () => {
        calls.push(clock.now());
        return calls.length < 3 ? retryableError('busy') : undefined;
      },
      { settings: RETRY, stop: new AbortController().signal, clock, random: () => 0.5, onFailure: (_e, _a, wait) => waits.push(wait) },
    );
    await clock.advance(1_000);
    await clock.advance(2_000);
    const outcome = await done;
    expect(outcome).toEqual({ error: undefined, attempts: 3, interrupted: false });
    expect(calls.map((at) => at - calls[0])).toEqual([0, 1_000, 3_000]);
    expect(waits).toEqual([1_000, 2_000]);
  });

  test('a permanent error is not retried', async () => {
    const outcome = await retryUntilDone(async () => permanentError('bad request'), {
      settings: RETRY,
      stop: new AbortController().signal,
      clock: new ManualClock(),
      onFailure: () => {},
    });
    expect(outcome.attempts).toBe(1);
    expect(String(outcome.error)).toMatch(/bad request/);
  });

  test('gives up when the next wait would pass max_elapsed_time', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const settings = { ...RETRY, max_elapsed_time: 4_000 };
    const done = retryUntilDone(async () => (attempts++, retryableError('down')), { settings, stop: new AbortController().signal, clock, random: () => 0.5, onFailure: () => {} });
    await clock.advance(3_000); // waits of 1 s and 2 s fit; the next (4 s) would end at 7 s
    const outcome = await done;
    expect(outcome.attempts).toBe(3);
    expect(outcome.interrupted).toBe(false);
  });

  test('the stop signal ends a wait at once and says so', async () => {
    const stop = new AbortController();
    const done = retryUntilDone(async () => retryableError('down'), { settings: RETRY, stop: stop.signal, clock: systemClock, onFailure: () => {} });
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await done).toMatchObject({ attempts: 1, interrupted: true });
  });
});

describe('exporter helper retries', () => {
  test('a dead backend: retries counted, failures logged at info at most once per interval, the drop logged and counted', async () => {
    const clock = new ManualClock();
    const telemetry = new Telemetry();
    const { logger, lines } = capturingLogger('info');
    const health: Parameters<typeof recordingHost>[0] = [];
    const exporter: Exporter = { push: async () => Promise.reject(retryableError('connect ECONNREFUSED 127.0.0.1:1')) };
    const settings = { ...RETRY, randomization_factor: 0, multiplier: 1, initial_interval: 1_000, max_interval: 1_000, max_elapsed_time: 30_000 };
    const helper = testHelper({ id: 'dead', exporter, telemetry, timeout: 5_000, numConsumers: 1, retry: settings, clock, logger, host: recordingHost(health) });
    await helper.start();
    await helper.consume(itemsBatch(7));
    for (let i = 0; i < 31; i++) await clock.advance(1_000);

    const page = telemetry.render();
    expect(metricValue(page, 'sluice_exporter_retries_total', { exporter: 'dead' })).toBe(30);
    expect(metricValue(page, 'otelcol_exporter_send_failed_spans_total', { exporter: 'dead' })).toBe(7);
    expect(health.filter((h) => h.state === 'failed')).toHaveLength(31);

    const retryLines = lines.filter((line) => line.msg === 'export failed; will retry');
    // Attempts at 0, 1, … 30 s; the last (30 s) gives up. One retry line per 10 s, each counting the ones left out.
    expect(retryLines.map((line) => line.level)).toEqual([30, 30, 30]);
    expect(retryLines.map((line) => line.suppressed)).toEqual([undefined, 9, 9]);
    expect(retryLines[0]).toMatchObject({ exporter: 'dead', error: 'connect ECONNREFUSED 127.0.0.1:1', attempt: 1 });
    expect(FAILURE_LOG_INTERVAL_MS).toBe(10_000);
    const dropped = lines.filter((line) => line.msg === 'export failed; dropping batch');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ items: 7, attempts: 31 });
    await helper.shutdown(clock.now());
  });
});
