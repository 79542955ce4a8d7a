import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GRPC_SERVICE_PATHS } from '../../src/otlp/grpc-paths.ts';
import { sdkSpans } from '../otlp/sdk-fixtures.ts';
import { freePorts, metricValue, OtlpSink, type RunningSluice, scrapeMetrics, serviceYaml, startSluice } from './harness.ts';

// Bad input gets the status the OTLP specification gives it, is counted, and the process keeps
// serving everyone else.

describe('bad input', () => {
  let sluice: RunningSluice;
  const sink = new OtlpSink();
  let httpPort: number;
  let grpcPort: number;
  let metricsPort: number;
  let goodBody: Uint8Array;
  const LIMIT = 64 * 1024;

  beforeAll(async () => {
    const [grpcP, http, health, metrics, sinkPort] = await freePorts(5);
    httpPort = http;
    grpcPort = grpcP;
    metricsPort = metrics;
    await sink.startHttp(sinkPort);
    goodBody = ProtobufTraceSerializer.serializeRequest(await sdkSpans(3))!;
    sluice = await startSluice(
      `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcP}, max_recv_msg_size_mib: 0.0625 }
      http: { endpoint: 127.0.0.1:${http}, max_request_body_size: ${LIMIT} }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort} }
${serviceYaml({ health: health, metrics: metrics })}
    traces: { receivers: [otlp], exporters: [otlphttp] }
`,
      { healthPort: health },
    );
  });

  afterAll(async () => {
    await sluice?.stop();
    await sink.stop();
  });

  function post(body: Uint8Array | string, headers: Record<string, string>): Promise<Response> {
    return fetch(`http://127.0.0.1:${httpPort}/v1/traces`, { method: 'POST', body: body as unknown as BodyInit, headers });
  }

  async function stillServes(): Promise<void> {
    const res = await post(goodBody, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
  }

  test('refusals while reading the body carry a google.rpc.Status with the matching code', async () => {
    const json = { 'content-type': 'application/json' };
    const unsupported = await post('{}', { ...json, 'content-encoding': 'br' });
    expect(unsupported.status).toBe(415);
    expect(((await unsupported.json()) as { code: number }).code).toBe(3); // INVALID_ARGUMENT
    const oversized = await post(`{"resourceSpans":[],"pad":"${'x'.repeat(LIMIT)}"}`, json);
    expect(oversized.status).toBe(413);
    expect(((await oversized.json()) as { code: number }).code).toBe(8); // RESOURCE_EXHAUSTED
    await stillServes();
  });

  test('truncated protobuf is 400', async () => {
    for (const cut of [1, 7, Math.floor(goodBody.length / 2), goodBody.length - 1]) {
      const res = await post(goodBody.subarray(0, cut), { 'content-type': 'application/x-protobuf' });
      expect(res.status, `cut at ${cut}`).toBe(400);
    }
    await stillServes();
  });

  test('wrong content type is 415, wrong method 405', async () => {
    expect((await post('hello', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await fetch(`http://127.0.0.1:${httpPort}/v1/traces`)).status).toBe(405);
    await stillServes();
  });

  test('gzip bomb is 413, a small gzip body is fine', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(LIMIT);
    const res = await post(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    const ok = await post(gzipSync(goodBody), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(ok.status).toBe(200);
  });

  test('oversized body is 413', async () => {
    const res = await post(Buffer.alloc(LIMIT + 1), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(413);
    await stillServes();
  });

  test('invalid JSON is 400 with a JSON status body', async () => {
    const res = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.message).toMatch(/decode/);
    await stillServes();
  });

  test('invalid UTF-8 is 400, in JSON and in protobuf', async () => {
    const badJson = Buffer.concat([Buffer.from('{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}]}}]}')]);
    expect((await post(badJson, { 'content-type': 'application/json' })).status).toBe(400);
    // Span{trace_id, span_id, name = 0xff 0xfe}
    const span = Buffer.concat([Buffer.from([0x0a, 16]), Buffer.alloc(16, 1), Buffer.from([0x12, 8]), Buffer.alloc(8, 2), Buffer.from([0x2a, 2, 0xff, 0xfe])]);
    const scope = Buffer.concat([Buffer.from([0x12, span.length]), span]);
    const resource = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
    expect((await post(Buffer.concat([Buffer.from([0x0a, resource.length]), resource]), { 'content-type': 'application/x-protobuf' })).status).toBe(400);
    await stillServes();
  });

  test('a trace id of the wrong length is 400, in JSON and in protobuf', async () => {
    const json = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'abcd', spanId: 'eee19b7ec3c1b174', name: 'x' }] }] }] });
    expect((await post(json, { 'content-type': 'application/json' })).status).toBe(400);
    // Hand-built Span with a 15-byte trace id: ResourceSpans{ScopeSpans{Span{trace_id}}}.
    const span = Buffer.concat([Buffer.from([0x0a, 15]), Buffer.alloc(15, 1), Buffer.from([0x12, 8]), Buffer.alloc(8, 2)]);
    const scope = Buffer.concat([Buffer.from([0x12, span.length]), span]);
    const resource = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
    const request = Buffer.concat([Buffer.from([0x0a, resource.length]), resource]);
    expect((await post(request, { 'content-type': 'application/x-protobuf' })).status).toBe(400);
    await stillServes();
  });

  test('gRPC: undecodable is INVALID_ARGUMENT, oversized is RESOURCE_EXHAUSTED, good is OK', async () => {
    const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
    const call = (payload: Buffer) =>
      new Promise<grpc.status>((resolve) =>
        client.makeUnaryRequest(GRPC_SERVICE_PATHS.traces, (b: Buffer) => b, (b: Buffer) => b, payload, (error) => resolve(error ? error.code : grpc.status.OK)),
      );
    expect(await call(Buffer.from(goodBody.subarray(0, 9)))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await call(Buffer.alloc(100 * 1024, 0x0a))).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await call(Buffer.from(goodBody))).toBe(grpc.status.OK);
    client.close();
  });

  /** Writes raw bytes and returns the status line of every response, once the server goes quiet. */
  async function raw(bytes: string | Buffer): Promise<number[]> {
    const socket = connect(httpPort, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.write(bytes);
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 500))]);
    socket.destroy();
    return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
  }

  test('malformed HTTP is 400, an oversized head 431, both counted; a chunked upload is served', async () => {
    const refused = async (reason: string) => metricValue(await scrapeMetrics(metricsPort), 'sluice_receiver_refused_requests_total', { transport: 'http', reason }) ?? 0;
    const [invalid, tooLarge] = [await refused('invalid'), await refused('too_large')];
    expect(await raw('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab')).toEqual([400]);
    expect(await raw(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`)).toEqual([431]);
    expect(await refused('invalid')).toBe(invalid + 1);
    expect(await refused('too_large')).toBe(tooLarge + 1);

    const body = Buffer.from(goodBody);
    const half = body.length >> 1;
    const chunked = Buffer.concat([
      Buffer.from('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n'),
      Buffer.from(`${half.toString(16)}\r\n`), body.subarray(0, half), Buffer.from(`\r\n${(body.length - half).toString(16)}\r\n`), body.subarray(half), Buffer.from('\r\n0\r\n\r\n'),
    ]);
    expect(await raw(chunked)).toEqual([200]);
    await stillServes();
  });

  test('refusals are counted by reason', async () => {
    const page = await scrapeMetrics(metricsPort);
    for (const reason of ['invalid', 'too_large', 'unsupported_media_type', 'method_not_allowed']) {
      expect(metricValue(page, 'sluice_receiver_refused_requests_total', { transport: 'http', reason }), reason).toBeGreaterThan(0);
    }
  });
});
