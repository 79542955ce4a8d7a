// The status page in headless Chromium (Debian's package) while real SDK traffic flows: the
// pipeline graph, tenants, sampling keys, cardinality and heartbeats render, and the numbers
// move between refreshes. SLUICE_UPDATE_SCREENSHOT=1 also writes docs/status-page.png.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, waitFor } from '../e2e/harness.ts';
import { Chromium } from '../support/chromium.ts';
import { CI, findBinary, requireUnderCi } from '../support/system.ts';
import { startLiveSluice, TENANTS, type LiveSluice } from './live-fixture.ts';

const chromiumBin = findBinary('chromium');

interface PageView {
  pipelines: string[];
  receiverIn: string;
  receiverTotal: string;
  batchOut: string;
  exporterOut: string;
  queue: string;
  tenants: string[];
  samplingRows: number;
  cardinalityRows: number;
  heartbeats: string[];
  errors: string;
  status: string;
}

const READ = `(() => {
  const text = (sel) => document.querySelector(sel)?.textContent ?? '';
  const traces = '[data-pipeline="traces"] ';
  return {
    pipelines: [...document.querySelectorAll('[data-pipeline]')].map((e) => e.getAttribute('data-pipeline')),
    receiverIn: text(traces + '[data-component="otlp"] [data-fig="in"]'),
    receiverTotal: text(traces + '[data-component="otlp"] [data-fig="total"]'),
    batchOut: text(traces + '[data-component="batch"] [data-fig="out"]'),
    exporterOut: text(traces + '[data-component="otlphttp"] [data-fig="out"]'),
    queue: text(traces + '[data-component="otlphttp"] [data-fig="queue"]'),
    tenants: [...document.querySelectorAll('[data-tenant]')].map((e) => e.getAttribute('data-tenant')),
    samplingRows: document.querySelectorAll('#sampling tbody tr').length,
    cardinalityRows: document.querySelectorAll('#cardinality tbody tr').length,
    heartbeats: [...document.querySelectorAll('[data-heartbeat]')].map((e) => e.textContent),
    errors: text('#errors'),
    status: text('#status'),
  };
})()`;

/** "1.2k" → 1200, "35/s" → 35, "…" → NaN. */
function figure(text: string): number {
  const match = /^([\d.]+)([kM]?)/.exec(text.trim());
  if (match === null) return Number.NaN;
  return Number(match[1]) * (match[2] === 'k' ? 1e3 : match[2] === 'M' ? 1e6 : 1);
}

describe.skipIf(chromiumBin === undefined && !CI)('status page in headless Chromium', () => {
  let live: LiveSluice;
  let browser: Chromium;

  beforeAll(async () => {
    requireUnderCi('chromium', chromiumBin, 'chromium');
    live = await startLiveSluice({ extensions: '  status_page: { endpoint: 127.0.0.1:EXTRA_PORT, refresh_interval: 500ms }', extensionIds: ['status_page'] });
    browser = await Chromium.launch(chromiumBin!);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await live?.stop();
  });

  test('shows every pipeline with live figures that move, the busiest tenants, sampling, cardinality and heartbeats', async () => {
    await browser.open(`http://127.0.0.1:${live.ports.extra}/`);
    let view!: PageView;
    await waitFor(async () => {
      view = await browser.evaluate<PageView>(READ);
      return figure(view.receiverIn) > 0 && figure(view.exporterOut) > 0 && view.samplingRows > 0 && view.cardinalityRows > 0 && view.heartbeats.length === 3;
    }, 40_000, 'the page to show traffic').catch((error) => {
      throw new Error(`${error.message}: ${JSON.stringify(view)}`);
    });
    expect(view.pipelines).toEqual(['traces', 'metrics', 'logs']);
    expect(view.queue).toMatch(/^\d+% \(\d+\/1000\)$/);
    expect(view.tenants).toEqual(expect.arrayContaining(TENANTS));
    expect(view.heartbeats.every((row) => row.includes('flowing'))).toBe(true);

    // The numbers move: the cumulative count grows between refreshes while data flows.
    const first = figure(view.receiverTotal);
    await waitFor(async () => figure((await browser.evaluate<PageView>(READ)).receiverTotal) > first, 10_000, 'the total to grow');

    if (process.env.SLUICE_UPDATE_SCREENSHOT === '1') writeFileSync(join(ROOT, 'docs/status-page.png'), await browser.screenshot());
  }, 60_000);

  test('a dead backend shows up: heartbeats late and the failure listed under last errors', async () => {
    await live.sink.stop();
    await waitFor(async () => {
      const view = await browser.evaluate<PageView>(READ);
      return view.heartbeats.some((row) => row.includes('LATE')) && view.errors.includes('otlphttp');
    }, 20_000, 'late heartbeats and errors on the page');
    await live.sink.startHttp(live.ports.sink);
  }, 40_000);
});
