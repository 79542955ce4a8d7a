// Overload without an outage (issue 16): under 5× the load a slow backend can take, Sluice refuses
// retryably, keeps its peak RSS within limit_mib + 20%, stays alive, and lets every request back
// in within seconds of the load stopping, though Node keeps the RSS the spike took.
//
// The load is open-loop raw HTTP (each client sends on a fixed schedule whatever the answer, as a
// fleet of SDKs does), with bodies the OpenTelemetry SDK's own serialiser wrote. The RSS bound is
// memory, read from /proc (VmHWM, the peak); nothing here asserts a duration.
import { request, Agent } from 'node:http';
import { beforeAll, describe, expect, test } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { typicalSpans } from '../otlp/sdk-fixtures.ts';
import { metricValue, scrapeMetrics, tempDir, waitFor } from './harness.ts';
import { MIB, rssBytes, useRig } from './overload-rig.ts';

const LIMIT_MIB = 200;

/** One 1,000-span request, as the OpenTelemetry SDK's serialiser writes it (~535 KB). */
let body: Uint8Array;
beforeAll(async () => {
  body = ProtobufTraceSerializer.serializeRequest(await typicalSpans(1000))!;
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
}

function post(agent: Agent, port: number, body: Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', (error) => resolve({ status: -1, retryAfter: (error as NodeJS.ErrnoException).code }));
    req.end(body);
  });
}

/** `clients` open-loop senders, each posting once every `everyMs` for `forMs`; resolves with every answer. */
async function openLoop(port: number, body: Uint8Array, clients: number, everyMs: number, forMs: number): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients * 4 });
  const answers: Promise<Answer>[] = [];
  const sends = Math.floor(forMs / everyMs);
  for (let round = 0; round < sends; round++) {
    for (let c = 0; c < clients; c++) answers.push(post(agent, port, body));
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  const settled = await Promise.all(answers);
  agent.destroy();
  return settled;
}

describe('overload: 5× what the backend takes, limit_mib 200', () => {
  const current = useRig({
    backendDelayMs: 400,
    processors: { memory_limiter: `{ check_interval: 1s, limit_mib: ${LIMIT_MIB} }`, batch: '{ send_batch_size: 2000, timeout: 200ms }' },
    exporter: '    sending_queue: { num_consumers: 1 }',
  });

  test('peak RSS stays within limit_mib + 20%, refusals are retryable, and all is accepted again once the load stops', async () => {
    const rig = current();
    // The backend takes ~2 batches of 2 requests a second (one consumer, 400 ms each): ~5 requests/s.
    // 24 clients each sending one 1,000-span request a second offer ~5× that, for 30 s.
    // Readiness says why while it refuses; liveness stays true (restarting would lose the buffers).
    const health: string[] = [];
    const live: number[] = [];
    const watch = setInterval(() => {
      void fetch(`http://127.0.0.1:${rig.ports.health}/`).then(async (res) => health.push(`${res.status} ${((await res.json()) as { status: string }).status}`), () => {});
      void fetch(`http://127.0.0.1:${rig.ports.health}/livez`).then((res) => live.push(res.status), () => {});
    }, 500);
    const answers = await openLoop(rig.ports.http, body, 24, 1000, 30_000);
    clearInterval(watch);
    expect(health).toContain('503 refusing: memory');
    expect(new Set(live)).toEqual(new Set([200]));
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const page = await scrapeMetrics(rig.ports.metrics);
    const peak = rssBytes(rig.sluice.process.pid!);
    console.log('overload', { statuses: Object.fromEntries(statuses), peakRssMiB: Math.round(peak / MIB), held: metricValue(page, 'sluice_memory_held_bytes', { holder: 'exporter_queue' }), limit: metricValue(page, 'sluice_memory_limit_bytes') });

    expect(rig.sluice.process.exitCode).toBeNull();
    expect(peak).toBeLessThanOrEqual(LIMIT_MIB * 1.2 * MIB);
    // Only accepted, or refused retryably with retry information: never a reset, never a 5xx of another kind.
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(answers.filter((a) => a.status === 503).every((a) => a.retryAfter !== undefined && Number(a.retryAfter) >= 1)).toBe(true);
    expect(statuses.get(503)).toBeGreaterThan(statuses.get(200)!);

    // Load stopped: within 5 s every request is accepted again, whatever RSS does.
    const agent = new Agent({ keepAlive: true });
    const probes: Answer[] = [];
    const stoppedAt = Date.now();
    while (Date.now() - stoppedAt < 5_000) {
      probes.push(await post(agent, rig.ports.http, body));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Then five in a row, all accepted.
    const after: Answer[] = [];
    for (let i = 0; i < 5; i++) after.push(await post(agent, rig.ports.http, body));
    agent.destroy();
    console.log('after', { probes: probes.map((p) => p.status).join(','), rssMiB: Math.round((metricValue(await scrapeMetrics(rig.ports.metrics), 'otelcol_process_memory_rss_bytes') ?? 0) / MIB) });
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // Recovered, and the health check says so, within two checks of the last refusal.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${rig.ports.health}/`)).status === 200, 3_000, 'ready again');
    const ready = await fetch(`http://127.0.0.1:${rig.ports.health}/`);
    expect(((await ready.json()) as { status: string }).status).toBe('Server available');
  }, 90_000);
});

describe('overload with the sampler buffering: overload relief switches on, and back off', () => {
  const current = useRig({
    backendDelayMs: 0,
    processors: { memory_limiter: `{ check_interval: 500ms, limit_mib: ${LIMIT_MIB} }`, adaptive_sampling: '{ decision_wait: 8s, max_buffer_bytes: 512MiB }', batch: '{}' },
  });
  let bodies: Uint8Array[];

  beforeAll(async () => {
    // Distinct trace ids per body: 12 bodies of 1,000 one-span traces.
    bodies = [];
    for (let i = 0; i < 12; i++) bodies.push(ProtobufTraceSerializer.serializeRequest(await typicalSpans(1000))!);
  }, 60_000);

  test('the buffer fills the budget, relief turns on; once it drains, relief turns off and requests are accepted', async () => {
    const rig = current();
    const relief: number[] = [];
    const watch = setInterval(() => {
      void scrapeMetrics(rig.ports.metrics).then((page) => relief.push(metricValue(page, 'sluice_sampling_overload_active') ?? -1), () => {});
    }, 250);
    const agent = new Agent({ keepAlive: true, maxSockets: 48 });
    const answers: Promise<Answer>[] = [];
    for (let round = 0; round < 12; round++) {
      for (let c = 0; c < 24; c++) answers.push(post(agent, rig.ports.http, bodies[(round * 24 + c) % bodies.length]));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const statuses = new Set((await Promise.all(answers)).map((a) => a.status));
    expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
    // Relief ends once what the sampler holds has been decided and sent on.
    await waitFor(async () => metricValue(await scrapeMetrics(rig.ports.metrics), 'sluice_sampling_overload_active') === 0 && relief.includes(1), 30_000, 'relief on, then off');
    clearInterval(watch);
    expect(relief.indexOf(1)).toBeLessThan(relief.lastIndexOf(0));
    expect((await post(agent, rig.ports.http, bodies[0])).status).toBe(200);
    agent.destroy();
    expect(rssBytes(rig.sluice.process.pid!)).toBeLessThanOrEqual(LIMIT_MIB * 1.2 * MIB);
  }, 90_000);
});

describe('overload with the durable configuration: nothing acknowledged is lost', () => {
  const current = useRig({
    backendDelayMs: 400,
    processors: { memory_limiter: `{ limit_mib: ${LIMIT_MIB} }`, batch: '{ send_batch_size: 2000, timeout: 200ms, wait_for_result: true }' },
    exporter: '    sending_queue: { storage: file_storage, max_size: 16MiB, when_full: block, num_consumers: 4 }',
    extensions: { file_storage: `{ directory: ${tempDir()} }` },
  });

  test('every acknowledged span reaches the backend; refusals are retryable', async () => {
    const rig = current();
    const answers = await openLoop(rig.ports.http, body, 24, 1000, 10_000);
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(accepted).toBeGreaterThan(0);
    await waitFor(() => rig.backend.spans() >= accepted * 1000, 60_000, 'every acknowledged span delivered');
    expect(rig.sluice.process.exitCode).toBeNull();
    expect(rssBytes(rig.sluice.process.pid!)).toBeLessThanOrEqual(LIMIT_MIB * 1.2 * MIB);
  }, 90_000);
});
