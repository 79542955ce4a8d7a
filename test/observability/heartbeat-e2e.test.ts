// The heartbeat through the real binary: with an on-disk sending queue (which hands exporters a
// new batch object) beats are still delivered and the pipeline stays healthy; by default the
// backend never sees the synthetic items, and with forward: true it does.
import { afterEach, describe, expect, test } from 'vitest';
import { HEARTBEAT_PIPELINE_ATTRIBUTE } from '../../src/core/heartbeat.ts';
import { freePorts, metricValue, OtlpSink, scrapeMetrics, serviceYaml, startSluice, tempDir, waitFor, type RunningSluice } from '../e2e/harness.ts';

let sluice: RunningSluice | undefined;
const sink = new OtlpSink();

afterEach(async () => {
  await sluice?.stop();
  await sink.stop();
});

async function run(forward: boolean) {
  const [health, metrics, backend] = await freePorts(3);
  await sink.startHttp(backend);
  sluice = await startSluice(
    `
receivers:
  heartbeat: { interval: 200ms, forward: ${forward} }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${backend}, sending_queue: { storage: file_storage } }
${serviceYaml({ health, metrics, extensions: { file_storage: `{ directory: ${tempDir()} }` } })}
    traces: { receivers: [heartbeat], exporters: [otlphttp] }
    logs: { receivers: [heartbeat], exporters: [otlphttp] }
`,
    { healthPort: health },
  );
  const startedAt = Date.now() / 1000;
  await waitFor(async () => {
    const page = await scrapeMetrics(metrics);
    return ['traces', 'logs'].every((pipeline) => (metricValue(page, 'sluice_heartbeat_last_success_timestamp_seconds', { pipeline, exporter: 'otlphttp' }) ?? 0) > startedAt + 0.5);
  }, 20_000, 'heartbeats delivered through the disk queue');
  const page = await scrapeMetrics(metrics);
  expect(metricValue(page, 'sluice_heartbeat_lost_total', { pipeline: 'traces', exporter: 'otlphttp' })).toBe(0);
  expect((await fetch(`http://127.0.0.1:${health}/`)).status).toBe(200);
  const resources = [...sink.of('traces').flatMap((r) => r.resourceSpans), ...sink.of('logs').flatMap((r) => r.resourceLogs)].map((entry) => entry.resource);
  const beats = resources.filter((resource) => resource?.attributes.some((a) => a.key === HEARTBEAT_PIPELINE_ATTRIBUTE));
  return { requests: sink.received.length, beats: beats.length };
}

describe('heartbeat end to end', () => {
  test('through an on-disk queue, stripped by default: the backend gets empty requests, no synthetic items', async () => {
    const { requests, beats } = await run(false);
    expect(requests).toBeGreaterThan(0);
    expect(beats).toBe(0);
  });

  test('forward: true sends the synthetic items on', async () => {
    const { beats } = await run(true);
    expect(beats).toBeGreaterThan(0);
  });
});
