// The two latency histograms on real SDK output: the item time each signal is measured by, read
// from bytes and from decoded objects alike, and a 2 s artificial delay landing in its bucket.
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { ExportLatency, IngestLagRecorder, oldestItemTime, tenantLabeller } from '../../src/core/latency.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { decodeRequest, scanRequest } from '../../src/otlp/protobuf.ts';
import type { Signal } from '../../src/otlp/types.ts';
import { sdkLogs, sdkMetrics, sdkTraces } from '../otlp/sdk-fixtures.ts';

const fixtures = { traces: () => sdkTraces(), metrics: () => sdkMetrics('cumulative'), logs: () => sdkLogs() };

function batches(signal: Signal, proto: Uint8Array, receivedAt: number, tenant?: string) {
  const metadata = { ...internalMetadata(tenant), receivedAt };
  const count = scanRequest(signal, proto);
  return {
    bytes: Batch.fromBytes(signal, proto, count, metadata),
    objects: Batch.fromRequest(signal, decodeRequest(signal, proto), metadata),
    chunks: Batch.fromChunks(signal, [proto, proto], count * 2, metadata),
  };
}

describe('item time', () => {
  test('a trace batch is timed by the oldest first span end of its scope groups', async () => {
    const { proto } = await sdkTraces();
    const { bytes, objects, chunks } = batches('traces', proto, Date.now());
    // sdkSpans: the first span of scope codec-test ends at 1_700_000_001 s + 987_654_321 ns; the other scope's span ends now.
    expect(oldestItemTime(bytes)).toBeCloseTo(1_700_000_001_987.654, 2);
    expect(oldestItemTime(objects)).toBeCloseTo(1_700_000_001_987.654, 2);
    expect(oldestItemTime(chunks)).toBeCloseTo(1_700_000_001_987.654, 2);
  });

  test.each(['metrics', 'logs'] as const)('%s: bytes and objects agree, on a time taken at collection (point time, observed time)', async (signal) => {
    const before = Date.now();
    const { proto } = await fixtures[signal]();
    const { bytes, objects } = batches(signal, proto, Date.now());
    const fromBytes = oldestItemTime(bytes)!;
    expect(fromBytes).toBeGreaterThanOrEqual(before - 1);
    expect(fromBytes).toBeLessThanOrEqual(Date.now() + 1);
    expect(oldestItemTime(objects)).toBeCloseTo(fromBytes, 2);
  });

  test('an empty request has no time', () => {
    expect(oldestItemTime(Batch.fromBytes('traces', new Uint8Array(0), 0, internalMetadata()))).toBeUndefined();
  });
});

describe('ingest lag histogram', () => {
  test.each(['traces', 'metrics', 'logs'] as const)('%s delayed by 2 s land above the 1 s bucket and within 2.5 s', async (signal) => {
    const telemetry = new Telemetry();
    const handed: Batch[] = [];
    const recorder = new IngestLagRecorder(telemetry, signal, tenantLabeller());
    const exporters = [recorder.wrap({ consume: async (b) => void handed.push(b) }), recorder.wrap({ consume: async (b) => void handed.push(b) })];
    const { proto } = await fixtures[signal]();
    const probe = batches(signal, proto, 0).bytes;
    // The artificial delay: the batch arrives 2 s after its oldest item's time.
    const { bytes } = batches(signal, proto, oldestItemTime(probe)! + 2000, 'acme');
    // Fanned out to two exporters: measured once.
    for (const exporter of exporters) await exporter.consume(bytes);
    expect(handed).toEqual([bytes, bytes]);
    const histogram = telemetry.histogram('sluice_ingest_lag_seconds', '', [], []);
    const labels = { pipeline: signal, tenant: 'acme' };
    expect(histogram.countAtOrBelow(1, labels)).toBe(0);
    expect(histogram.countAtOrBelow(2.5, labels)).toBe(bytes.itemCount);
    const page = telemetry.render();
    expect(page).toContain(`sluice_ingest_lag_seconds_bucket{pipeline="${signal}",tenant="acme",le="1"} 0`);
    expect(page).toContain(`sluice_ingest_lag_seconds_bucket{pipeline="${signal}",tenant="acme",le="2.5"} ${bytes.itemCount}`);
    expect(page).toContain(`sluice_ingest_lag_seconds_count{pipeline="${signal}",tenant="acme"} ${bytes.itemCount}`);
  });

  test('the tenant label is capped: tenants past the first 1000 share __overflow__', async () => {
    const telemetry = new Telemetry();
    const recorder = new IngestLagRecorder(telemetry, 'traces', tenantLabeller());
    const { proto } = await sdkTraces();
    for (let i = 0; i < 1005; i++) recorder.record(batches('traces', proto, Date.now(), `t${i}`).bytes);
    const tenants = new Set(telemetry.snapshot().sluice_ingest_lag_seconds.series.map((s) => s.labels.tenant));
    expect(tenants.size).toBe(1001);
    expect(tenants.has('__overflow__')).toBe(true);
  });
});

describe('export latency histogram', () => {
  test('accepted-to-delivered time, per exporter and tenant, weighted by items', async () => {
    const telemetry = new Telemetry();
    const latency = new ExportLatency(telemetry, 'otlphttp/a');
    const { proto } = await sdkTraces();
    const { bytes } = batches('traces', proto, 0, 'acme');
    latency.delivered(bytes, 10_000, 13_000);
    const histogram = telemetry.histogram('sluice_exporter_latency_seconds', '', [], []);
    expect(histogram.countAtOrBelow(2.5, { exporter: 'otlphttp/a', tenant: 'acme' })).toBe(0);
    expect(histogram.countAtOrBelow(5, { exporter: 'otlphttp/a', tenant: 'acme' })).toBe(bytes.itemCount);
    expect(telemetry.render()).toContain(`sluice_exporter_latency_seconds_sum{exporter="otlphttp/a",tenant="acme"} ${3 * bytes.itemCount}`);
  });
});
