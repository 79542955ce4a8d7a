import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExportError } from '../../src/core/errors.ts';
import { push } from '../../src/exporters/prometheusremotewrite/push.ts';
import { parseRetryAfter } from '../../src/exporters/shared/http-client.ts';
import { freePorts } from '../e2e/harness.ts';
import { snappyUncompress } from '../../src/exporters/prometheusremotewrite/snappy.ts';
import { CHECKOUT, config, decodeWriteRequest, gauge, numberPoint, request, scope, sum } from './fixtures.ts';

// A local stand-in for a remote-write endpoint; the path picks the answer.
let PORT: number;
let CLOSED_PORT: number;
let base: string;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
const received: Received[] = [];
let server: Server;

const RETRY_DATE = new Date(Date.now() + 120_000).toUTCString();

beforeAll(async () => {
  [PORT, CLOSED_PORT] = await freePorts(2);
  base = `http://127.0.0.1:${PORT}`;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      switch (req.url) {
        case '/ok':
          res.writeHead(204).end();
          return;
        case '/bad':
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`out of order sample ${'x'.repeat(2000)}`);
          return;
        case '/ratelimit':
          res.writeHead(429, { 'retry-after': '7' }).end('slow down');
          return;
        case '/unavailable-date':
          res.writeHead(503, { 'retry-after': RETRY_DATE }).end();
          return;
        case '/unavailable':
          res.writeHead(503).end('try later');
          return;
        case '/slow':
          return; // never answers
        default:
          res.writeHead(404).end('no such path');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const batch = request(CHECKOUT, [scope([sum('http.requests', '{request}', [numberPoint(42n)]), gauge('temp', 'Cel', [numberPoint(21.5)])])]);

async function pushExpectingError(path: string, overrides = {}): Promise<ExportError> {
  try {
    await push(batch, undefined, config({ endpoint: `${base}${path}`, ...overrides }));
  } catch (error) {
    expect(error).toBeInstanceOf(ExportError);
    return error as ExportError;
  }
  throw new Error(`push to ${path} unexpectedly succeeded`);
}

describe('push', () => {
  test('2xx: posts a snappy WriteRequest with the protocol headers and the tenant header', async () => {
    received.length = 0;
    const cfg = config({ endpoint: `${base}/ok`, tenant_header: 'X-Scope-OrgID', headers: { Authorization: 'Bearer t0ken' } });
    const result = await push(batch, 'tenant-a', cfg);
    expect(result).toMatchObject({ series: 3, samples: 3, requests: 1, refused: [] });
    expect(received).toHaveLength(1);
    const { headers, body } = received[0];
    expect(headers['content-encoding']).toBe('snappy');
    expect(headers['content-type']).toBe('application/x-protobuf');
    expect(headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(headers['user-agent']).toMatch(/^sluice\/\d+\.\d+\.\d+/);
    expect(headers['x-scope-orgid']).toBe('tenant-a');
    expect(headers.authorization).toBe('Bearer t0ken');
    expect(result.bytes).toBe(body.byteLength);
    const decoded = decodeWriteRequest(snappyUncompress(body));
    const names = decoded.timeseries.map((t) => t.labels.find((l) => l.name === '__name__')?.value).sort();
    expect(names).toEqual(['http_requests_total', 'target_info', 'temp_celsius']);
  });

  test('no tenant header when the tenant is unknown or tenant_header is off', async () => {
    received.length = 0;
    await push(batch, undefined, config({ endpoint: `${base}/ok`, tenant_header: 'X-Scope-OrgID' }));
    await push(batch, 'tenant-a', config({ endpoint: `${base}/ok` }));
    expect(received.map((r) => r.headers['x-scope-orgid'])).toEqual([undefined, undefined]);
  });

  test('an empty conversion sends nothing', async () => {
    received.length = 0;
    const result = await push({ resourceMetrics: [] }, undefined, config({ endpoint: `${base}/ok` }));
    expect(result.requests).toBe(0);
    expect(received).toHaveLength(0);
  });

  test('400 is permanent and carries the response body, truncated', async () => {
    const error = await pushExpectingError('/bad');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('HTTP 400');
    expect(error.message).toContain('out of order sample');
    expect(error.message.length).toBeLessThan(800);
  });

  test('429 is retryable with Retry-After seconds', async () => {
    const error = await pushExpectingError('/ratelimit');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
  });

  test('503 is retryable, with Retry-After as an HTTP date or without', async () => {
    const dated = await pushExpectingError('/unavailable-date');
    expect(dated.retryable).toBe(true);
    expect(dated.retryAfterMs).toBeGreaterThan(100_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(120_000);
    const plain = await pushExpectingError('/unavailable');
    expect(plain.retryable).toBe(true);
    expect(plain.retryAfterMs).toBeUndefined();
    expect(plain.message).toContain('try later');
  });

  test('connection refused is retryable and names the cause', async () => {
    const error = await pushExpectingError('', { endpoint: `http://127.0.0.1:${CLOSED_PORT}/api/v1/write` });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  test('a timeout is retryable', async () => {
    // The message proves the timeout ended the push, not the slow answer: no clock is read.
    const error = await pushExpectingError('/slow', { timeout: '200ms' });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('timed out after 200ms');
  });

  test('a batch above max_batch_size_bytes goes out as several requests', async () => {
    received.length = 0;
    const points = Array.from({ length: 200 }, (_, i) => numberPoint(i, [{ key: 'i', value: { stringValue: String(i) } }]));
    const big = request(CHECKOUT, [scope([gauge('big', '', points)])]);
    const result = await push(big, undefined, config({ endpoint: `${base}/ok`, max_batch_size_bytes: 4096 }));
    expect(result.requests).toBeGreaterThan(2);
    expect(received).toHaveLength(result.requests);
    const total = received.reduce((n, r) => n + decodeWriteRequest(snappyUncompress(r.body)).timeseries.length, 0);
    expect(total).toBe(201); // 200 points + target_info
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  test.each([
    ['120', 120_000],
    ['1.5', 1500],
    ['Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
  ])('%s → %s', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
  test('absent', () => expect(parseRetryAfter(null, now)).toBeUndefined());
});
