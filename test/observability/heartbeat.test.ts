// The heartbeat receiver and the exporters' taps, without processes: a fake clock drives the
// ticks, the pipeline is a function that hands batches to the taps as an exporter would.
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { HealthState, ReceiverPipeline } from '../../src/core/component.ts';
import { heartbeatBoard, HEARTBEAT_PIPELINE_ATTRIBUTE } from '../../src/core/heartbeat.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { decodeRequest, encodeRequest, scanRequest } from '../../src/otlp/protobuf.ts';
import { heartbeatConfigSchema, HeartbeatReceiver } from '../../src/receivers/heartbeat/index.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { sdkTraces } from '../otlp/sdk-fixtures.ts';
import { metricValue } from '../e2e/harness.ts';

function setup(options: Record<string, unknown> = {}) {
  const telemetry = new Telemetry();
  const host = new ServiceHost();
  const health: Array<{ id: string; state: HealthState; message?: string }> = [];
  host.onHealth((e) => health.push({ id: e.componentId, state: e.state, message: e.message }));
  const emitted: Batch[] = [];
  const pipeline: ReceiverPipeline = { id: 'traces/hb', signal: 'traces', exporters: ['otlphttp/a'], consumer: { consume: async (b) => void emitted.push(b) } };
  let now = 1_000_000;
  const config = heartbeatConfigSchema.parse({ interval: '1s', ...options });
  const receiver = new HeartbeatReceiver('heartbeat', config, [pipeline], telemetry, host, pino({ level: 'silent' }), () => now);
  const tap = heartbeatBoard(telemetry).tap('traces', 'otlphttp/a');
  return { telemetry, health, emitted, receiver, tap, advance: (ms: number) => (now += ms), now: () => now };
}

function resourceIds(batch: Batch): string[] {
  return decodeRequest('traces', Buffer.concat(batch.byteChunks())).resourceSpans.map(
    (rs) => rs.resource?.attributes.find((a) => a.key === HEARTBEAT_PIPELINE_ATTRIBUTE)?.value.stringValue ?? 'app',
  );
}

describe('heartbeat', () => {
  test('config: deadline defaults to 3 × interval and must exceed it', () => {
    expect(heartbeatConfigSchema.parse({ interval: '2s' }).deadline).toBe(6000);
    expect(heartbeatConfigSchema.safeParse({ interval: '2s', deadline: '1s' }).success).toBe(false);
    expect(heartbeatConfigSchema.safeParse({ interval: '10ms' }).success).toBe(false);
  });

  test('an exporter finds the beat inside a merged batch, strips it, and records its delivery', async () => {
    const { telemetry, emitted, receiver, tap, advance } = setup();
    receiver.tick();
    expect(tap.pending).toBe(1);
    const { proto } = await sdkTraces();
    const appItems = scanRequest('traces', proto);
    // As the batch processor merges: the app's request and the beat's, as pieces of one batch.
    const merged = Batch.fromChunks('traces', [proto, emitted[0].bytes()], appItems + 1, internalMetadata());
    const out = tap.arrive(merged);
    expect(tap.pending).toBe(0);
    expect(out.itemCount).toBe(appItems);
    expect(resourceIds(out).every((id) => id === 'app')).toBe(true);
    tap.delivered(out, advance(250));
    const page = telemetry.render();
    expect(metricValue(page, 'sluice_heartbeat_last_success_timestamp_seconds', { pipeline: 'traces/hb', exporter: 'otlphttp/a' })).toBe(1_000_250 / 1000);
    expect(page).toContain('sluice_heartbeat_latency_seconds_bucket{pipeline="traces/hb",exporter="otlphttp/a",le="0.25"} 1');
    expect(page).toContain('sluice_heartbeat_latency_seconds_bucket{pipeline="traces/hb",exporter="otlphttp/a",le="0.1"} 0');
  });

  test('a beat re-encoded into one request with app data is cut out of it; alone, it leaves an empty request', async () => {
    const { emitted, receiver, tap } = setup();
    receiver.tick();
    const { proto } = await sdkTraces();
    const app = decodeRequest('traces', proto);
    const beat = decodeRequest('traces', emitted[0].bytes());
    const one = encodeRequest('traces', { resourceSpans: [app.resourceSpans[0], beat.resourceSpans[0]] });
    const out = tap.arrive(Batch.fromBytes('traces', one, scanRequest('traces', one), internalMetadata()));
    expect(resourceIds(out)).toEqual(['app']);
    receiver.tick();
    const alone = tap.arrive(emitted[1]);
    expect(alone.itemCount).toBe(0);
    expect(Buffer.concat(alone.byteChunks()).length).toBe(0);
  });

  test('every metric beat is the same series (its id is in the description), and each is found at the exporter', () => {
    const telemetry = new Telemetry();
    const emitted: Batch[] = [];
    const pipeline: ReceiverPipeline = { id: 'metrics', signal: 'metrics', exporters: ['x'], consumer: { consume: async (b) => void emitted.push(b) } };
    const receiver = new HeartbeatReceiver('heartbeat', heartbeatConfigSchema.parse({ interval: '1s' }), [pipeline], telemetry, new ServiceHost(), pino({ level: 'silent' }));
    const tap = heartbeatBoard(telemetry).tap('metrics', 'x');
    receiver.tick();
    receiver.tick();
    const [a, b] = emitted.map((batch) => decodeRequest('metrics', batch.bytes()).resourceMetrics[0]);
    expect(a.resource).toEqual(b.resource);
    expect(a.scopeMetrics[0].metrics[0].gauge!.dataPoints[0].attributes).toEqual([]);
    expect(a.scopeMetrics[0].metrics[0].description).not.toBe(b.scopeMetrics[0].metrics[0].description);
    expect(tap.pending).toBe(2);
    tap.arrive(emitted[1]);
    tap.arrive(emitted[0]);
    expect(tap.pending).toBe(0);
  });

  test('forward: true sends the synthetic items on untouched', () => {
    const { emitted, receiver, tap } = setup({ forward: true });
    receiver.tick();
    const out = tap.arrive(emitted[0]);
    expect(out).toBe(emitted[0]);
    expect(tap.pending).toBe(0);
  });

  test('a beat found in a batch that is never delivered (backend down) is lost at the deadline', () => {
    const { telemetry, emitted, receiver, tap, advance } = setup();
    receiver.tick();
    tap.arrive(emitted[0]);
    expect(tap.pending).toBe(0);
    advance(3500);
    receiver.tick();
    expect(metricValue(telemetry.render(), 'sluice_heartbeat_lost_total', { pipeline: 'traces/hb', exporter: 'otlphttp/a' })).toBe(1);
  });

  test('beats that never arrive count as lost, and the pipeline is reported by name until one is delivered', () => {
    const { telemetry, health, emitted, receiver, tap, advance } = setup();
    receiver.tick();
    for (let i = 0; i < 3; i++) {
      advance(1000);
      receiver.tick();
    }
    // 3 s later: the deadline (3 s) is not yet past.
    expect(health).toEqual([]);
    advance(1000);
    receiver.tick();
    expect(metricValue(telemetry.render(), 'sluice_heartbeat_lost_total', { pipeline: 'traces/hb', exporter: 'otlphttp/a' })).toBe(1);
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ id: 'pipeline:traces/hb', state: 'degraded' });
    expect(health[0].message).toContain('otlphttp/a');
    // The backend is back: the newest beat arrives and is delivered.
    tap.delivered(tap.arrive(emitted[emitted.length - 1]), advance(10));
    advance(1000);
    receiver.tick();
    expect(health.at(-1)).toMatchObject({ id: 'pipeline:traces/hb', state: 'ok' });
    receiver.shutdown();
    expect(tap.pending).toBe(0);
  });
});
