// Refusals a client can read (issue 16), through the real binary: a body over the limit is 413 and
// the client reads it (no EPIPE); a bare-LF request is 400; one huge body at a time cannot push
// RSS past the limit, because it is refused before it is read; and on SIGTERM every request in
// flight gets its answer before its connection closes.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { beforeAll, describe, expect, test } from 'vitest';
import { scanRequest } from '../../src/otlp/protobuf.ts';
import { typicalSpans } from '../otlp/sdk-fixtures.ts';
import { freePorts, otlpReceiverYaml, OtlpSink, startSluice } from './harness.ts';
import { MIB, rssBytes, useRig } from './overload-rig.ts';
import { exportWith, traceExporter } from './sdk-clients.ts';

const LIMIT_MIB = 200;

interface Sent {
  status: number | string;
  /** Body bytes the client had handed to its socket when the answer came. */
  sentWhenAnswered: number;
}

/** Posts `body` in 1 MiB writes, each after the last drained, noting how much was sent when the answer came. */
function postInPieces(port: number, body: Buffer, agent?: Agent): Promise<Sent> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = false;
    const req = request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      res.resume();
      res.on('end', () => {
        // A refused client stops sending; what it declared is never completed, and it hangs up.
        if (sent < body.length) req.destroy();
        resolve({ status: res.statusCode ?? 0, sentWhenAnswered });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: error.code ?? 'error', sentWhenAnswered: sent }));
    const writeNext = () => {
      while (sent < body.length && !answered) {
        const piece = body.subarray(sent, sent + MIB);
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', writeNext);
          return;
        }
      }
      if (sent >= body.length) req.end();
    };
    writeNext();
  });
}

describe('refusals a client can read', () => {
  const current = useRig({
    backendDelayMs: 400,
    processors: { memory_limiter: `{ limit_mib: ${LIMIT_MIB} }`, batch: '{ send_batch_size: 1000, timeout: 300ms, wait_for_result: true }' },
    exporter: '    sending_queue: { num_consumers: 1 }',
  });
  let request1k: Uint8Array;

  beforeAll(async () => {
    request1k = ProtobufTraceSerializer.serializeRequest(await typicalSpans(1000))!;
  });

  test('a Content-Length over the limit is 413 before the body is read, and a client that sends it all reads the 413', async () => {
    const rig = current();
    const ports = rig.ports;
    const body = Buffer.alloc(30 * MIB, 0x0a);
    const errors: string[] = [];
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: ports.http, method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        errors.push(error.code ?? error.message);
        resolve(-1);
      });
      // All 30 MiB at once, as a client that does not look at the answer before it has sent.
      req.end(body);
    });
    expect(errors).toEqual([]);
    expect(status).toBe(413);
  });

  test('a request whose lines end in a bare LF is 400', async () => {
    const rig = current();
    const ports = rig.ports;
    const socket = connect(ports.http, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.write('POST /v1/traces HTTP/1.1\nHost: x\nContent-Type: application/x-protobuf\nContent-Length: 2\n\nok');
    await new Promise((resolve) => socket.on('close', resolve));
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
  });

  test('one huge body at a time cannot push RSS past the limit: near it, the next is refused before it is read', async () => {
    const rig = current();
    const ports = rig.ports;
    const copies = Math.floor((20 * MIB) / request1k.length);
    const huge = Buffer.concat(Array.from({ length: copies }, () => request1k));
    expect(scanRequest('traces', huge)).toBe(copies * 1000);
    const results: Sent[] = [];
    for (let i = 0; i < 10; i++) results.push(await postInPieces(ports.http, huge));
    // Near the limit, refused at the head: the answer came before the client had sent the body. (A
    // body admitted and read can still be refused by the memory_limiter processor, after.)
    const refusedUnread = results.filter((r) => r.status === 503 && r.sentWhenAnswered < huge.length);
    expect(refusedUnread.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(rssBytes(rig.sluice.process.pid!)).toBeLessThanOrEqual(LIMIT_MIB * MIB);
  }, 120_000);

  test('on SIGTERM, requests in flight get their answer before their connections close', async () => {
    const rig = current();
    const ports = rig.ports;
    // Fresh from the huge bodies, let the queue drain so these are admitted.
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    let answers: Array<number | string> = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      answers = [(await postInPieces(ports.http, Buffer.from(request1k), agent)).status];
      if (answers[0] === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answers).toEqual([200]);
    // wait_for_result: each request waits for its batch's flush (300 ms), so all are in flight at the signal.
    const inFlight = Array.from({ length: 10 }, () => postInPieces(ports.http, Buffer.from(request1k), agent));
    await new Promise((resolve) => setTimeout(resolve, 50));
    rig.sluice.process.kill('SIGTERM');
    const statuses = (await Promise.all(inFlight)).map((r) => r.status);
    agent.destroy();
    // A connection refused outright is safe to retry too; a reset after the request was sent is not.
    expect(statuses.filter((s) => s !== 200 && s !== 503 && s !== 'ECONNREFUSED')).toEqual([]);
    expect(statuses).toContain(200);
    expect(await rig.sluice.exited).toBe(0);
  }, 60_000);
});

describe('gRPC on SIGTERM', () => {
  test('calls in flight get their answer: the server says GOAWAY and lets them finish', async () => {
    const [grpc, http, health, sinkPort] = await freePorts(4);
    const sink = new OtlpSink();
    await sink.startHttp(sinkPort);
    const sluice = await startSluice(
      `
${otlpReceiverYaml(grpc, http)}
processors:
  batch: { timeout: 300ms, wait_for_result: true }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort} }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: '' }, logs: { level: error } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlphttp] }
`,
      { healthPort: health },
    );
    try {
      const spans = await typicalSpans(20);
      const exporters = Array.from({ length: 10 }, () => traceExporter('grpc', { grpc, http }));
      // Warm the channels, so the calls below are on open connections when the signal comes.
      for (const exporter of exporters) expect((await exportWith(exporter, spans)).code).toBe(0);
      // wait_for_result holds each call for its batch's flush (300 ms): all are in flight at the signal.
      const inFlight = exporters.map((exporter) => exportWith(exporter, spans));
      await new Promise((resolve) => setTimeout(resolve, 50));
      sluice.process.kill('SIGTERM');
      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
      expect(await sluice.exited).toBe(0);
      await Promise.all(exporters.map((exporter) => exporter.shutdown()));
    } finally {
      await sluice.stop('SIGKILL');
      await sink.stop();
    }
  }, 60_000);
});
