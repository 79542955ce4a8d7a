// Bounded before trusted (issue 16): unfinished messages cannot take memory. 2,000 unfinished gRPC
// messages on one HTTP/2 connection without a token, and 2,000 unfinished HTTP bodies with a valid
// token, leave RSS under the limit, and another tenant's SDK keeps being accepted during and after.
// The abusers are raw HTTP/2 and raw sockets; the victims are the real OpenTelemetry SDK exporters.
import { writeFileSync } from 'node:fs';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { typicalSpans } from '../otlp/sdk-fixtures.ts';
import { freePorts, LAUNCHER, metricValue, otlpReceiverYaml, OtlpSink, scrapeMetrics, startSluice, tempDir, waitFor, type RunningSluice } from './harness.ts';
import { exportWith, traceExporter } from './sdk-clients.ts';
import { MIB, rssBytes } from './overload-rig.ts';

const LIMIT_MIB = 200;
const UNFINISHED = 2_000;
const GRPC_TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

describe('unfinished messages cannot take memory', () => {
  let sluice: RunningSluice;
  const sink = new OtlpSink();
  let ports: { grpc: number; http: number; metrics: number };

  beforeAll(async () => {
    const [grpc, http, health, metrics, sinkPort] = await freePorts(5);
    ports = { grpc, http, metrics };
    const dir = tempDir();
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, 'tokens:\n  - { token: attacker-token, tenant: attacker }\n  - { token: victim-token, tenant: victim }\n');
    await sink.startHttp(sinkPort);
    sluice = await startSluice(
      `
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
  bearertokenauth: { tokens_file: ${tokens} }
${otlpReceiverYaml(grpc, http, 'auth: { authenticator: bearertokenauth }')}
processors:
  memory_limiter: { limit_mib: ${LIMIT_MIB} }
  batch: {}
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort} }
service:
  extensions: [health_check, bearertokenauth]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: error } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp] }
`,
      { healthPort: health, entry: LAUNCHER },
    );
  }, 30_000);

  afterAll(async () => {
    await sluice?.stop();
    await sink.stop();
  });

  async function victimAccepted(): Promise<void> {
    const spans = await typicalSpans(50);
    for (const transport of ['grpc', 'http/protobuf'] as const) {
      const exporter = traceExporter(transport, ports, { authorization: 'Bearer victim-token' });
      const result = await exportWith(exporter, spans);
      expect(result.code, `${transport}: ${String(result.error)}`).toBe(0);
      await exporter.shutdown();
    }
  }

  test('gRPC: 2,000 streams on one connection, each declaring 4 MiB and stalling after 256 KiB, without a token', async () => {
    // The attacker may buffer what it likes (Node's default would cut its own session off at 10 MB).
    const session: ClientHttp2Session = connectHttp2(`http://127.0.0.1:${ports.grpc}`, { maxSessionMemory: 1024 });
    session.on('error', () => {});
    // As a real HTTP/2 client does, it waits for the server's settings, so it keeps within
    // max_concurrent_streams and queues the rest.
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    const statuses: string[] = [];
    const part = Buffer.alloc(256 * 1024, 0x0a);
    const prefix = Buffer.from([0, 0, 0x40, 0, 0]); // uncompressed, 4 MiB declared
    const open = new Set<Promise<void>>();
    for (let i = 0; i < UNFINISHED; i++) {
      // 200 streams at a time: more than the server lets run, so some always wait for a slot.
      if (open.size >= 200) await Promise.race(open);
      const stream = session.request({ ':method': 'POST', ':path': GRPC_TRACES, 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => {});
      // A refusal from the metadata alone is trailers-only: grpc-status comes with the headers.
      stream.on('response', (headers) => statuses.push(String(headers['grpc-status'])));
      stream.resume();
      stream.write(prefix);
      stream.write(part);
      const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
      open.add(closed);
      void closed.then(() => open.delete(closed));
      // The victim is served while the attack runs.
      if (i === UNFINISHED / 2) await victimAccepted();
    }
    await Promise.all(open);
    session.destroy();
    // Every stream was answered UNAUTHENTICATED from its metadata and reset; no message was read.
    expect(statuses).toHaveLength(UNFINISHED);
    expect(new Set(statuses)).toEqual(new Set(['16']));
    expect(rssBytes(sluice.process.pid!, 'VmHWM')).toBeLessThan(LIMIT_MIB * MIB);
    await victimAccepted();
    const page = await scrapeMetrics(ports.metrics);
    expect(metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'grpc', reason: 'unauthenticated' })).toBe(UNFINISHED);
  }, 120_000);

  test('gRPC with a valid token: unfinished messages past the connection and tenant caps are UNAVAILABLE at once, and what was reserved is freed when the client leaves', async () => {
    const prefix = Buffer.from([0, 0, 0x40, 0, 0]);
    const statuses: string[] = [];
    const sessions: ClientHttp2Session[] = [];
    try {
      // Two connections of 30 calls, each declaring 4 MiB in its length prefix and reserving that:
      // 7 fit the first connection's 32 MiB, and none the second: the tenant's 32 are taken.
      for (let c = 0; c < 2; c++) {
        const session = connectHttp2(`http://127.0.0.1:${ports.grpc}`, { maxSessionMemory: 1024 });
        sessions.push(session);
        session.on('error', () => {});
        await new Promise((resolve) => session.once('remoteSettings', resolve));
        for (let i = 0; i < 30; i++) {
          const stream = session.request({ ':method': 'POST', ':path': GRPC_TRACES, 'content-type': 'application/grpc', te: 'trailers', authorization: 'Bearer attacker-token' });
          stream.on('error', () => {});
          stream.on('response', (headers) => statuses.push(String(headers['grpc-status'])));
          stream.resume();
          stream.write(prefix);
          stream.write(Buffer.alloc(64 * 1024, 0x0a));
        }
        await waitFor(() => statuses.length >= (c === 0 ? 23 : 53), 10_000, 'refusals past the caps');
      }
      expect(new Set(statuses)).toEqual(new Set(['14']));
      const page = await scrapeMetrics(ports.metrics);
      expect(metricValue(page, 'sluice_memory_held_bytes', { holder: 'receiver' })).toBe(7 * (4 * MIB + 5));
      expect(metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'grpc', reason: 'connection_inflight' })).toBe(23);
      expect(metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'grpc', reason: 'tenant_inflight' })).toBe(30);
      await victimAccepted();
    } finally {
      for (const session of sessions) session.destroy();
    }
    await waitFor(async () => metricValue(await scrapeMetrics(ports.metrics), 'sluice_memory_held_bytes', { holder: 'receiver' }) === 0, 10_000, 'reservations released');
    expect(rssBytes(sluice.process.pid!, 'VmHWM')).toBeLessThan(LIMIT_MIB * MIB);
  }, 60_000);

  test('HTTP: 2,000 bodies declaring 4 MiB and stalling after 128 KiB, with a valid token', async () => {
    const head = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nAuthorization: Bearer attacker-token\r\nContent-Length: ${4 * MIB}\r\n\r\n`;
    const part = Buffer.alloc(128 * 1024, 0x0a);
    const sockets: Socket[] = [];
    const answers: string[] = [];
    const opened: Promise<void>[] = [];
    for (let i = 0; i < UNFINISHED; i++) {
      const socket = connect(ports.http, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
        if (status !== null && received.includes('\r\n\r\n')) answers.push(status[1]);
      });
      opened.push(new Promise((resolve) => socket.once('connect', () => (socket.write(head), socket.write(part, () => resolve())))));
      if (i === UNFINISHED / 2) await victimAccepted();
    }
    await Promise.all(opened);
    await victimAccepted();
    const page = await scrapeMetrics(ports.metrics);
    // The attacker holds at most its tenant's cap; the rest were refused at once (503, retryable) or never connected.
    expect(metricValue(page, 'sluice_memory_held_bytes', { holder: 'receiver' })).toBeLessThanOrEqual(32 * MIB);
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set(['503']));
    const refused = (reason: string) => metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'http', reason }) ?? 0;
    expect(refused('tenant_inflight') + refused('receiver_inflight') + refused('connections')).toBeGreaterThan(UNFINISHED / 2);
    expect(rssBytes(sluice.process.pid!, 'VmHWM')).toBeLessThan(LIMIT_MIB * MIB);
    console.log('peak RSS MiB', Math.round(rssBytes(sluice.process.pid!, 'VmHWM') / MIB));
    for (const socket of sockets) socket.destroy();
    // After: the reservations are gone with the connections, and the victim is still accepted.
    await victimAccepted();
  }, 120_000);
});

describe('connections are capped and counted', () => {
  let sluice: RunningSluice;
  let ports: { grpc: number; http: number; metrics: number };

  beforeAll(async () => {
    const [grpc, http, health, metrics] = await freePorts(4);
    ports = { grpc, http, metrics };
    sluice = await startSluice(
      `
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
${otlpReceiverYaml(grpc, http, 'max_connections: 2')}
exporters:
  debug: {}
service:
  extensions: [health_check]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: error } }
  pipelines:
    traces: { receivers: [otlp], exporters: [debug] }
`,
      { healthPort: health },
    );
  }, 30_000);

  afterAll(() => sluice?.stop());

  test('past max_connections a new connection is closed as it arrives, on either protocol, and counted', async () => {
    for (const port of [ports.http, ports.grpc]) {
      const held = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
      await Promise.all(held.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
      // The kernel queues connections in order, so these two are taken before the third.
      const extra = connect(port, '127.0.0.1');
      extra.on('error', () => {});
      await new Promise((resolve) => extra.once('close', resolve));
      for (const socket of held) socket.destroy();
    }
    const page = await scrapeMetrics(ports.metrics);
    expect(metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'http', reason: 'connections' })).toBe(1);
    expect(metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'grpc', reason: 'connections' })).toBe(1);
  });
});
