// The HTTP exporters' one client: bodies in pieces arrive whole, statuses are judged by the
// caller's rule with Retry-After honoured, and transport failures, deadlines and aborts are
// retryable ExportErrors.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExportError } from '../../src/core/errors.ts';
import { HttpClient, parseRetryAfter, statusError } from '../../src/exporters/shared/http-client.ts';
import { freePorts } from '../e2e/harness.ts';

let server: Server;
let base: string;
let closedPort: number;
const bodies: Buffer[] = [];

beforeAll(async () => {
  const [port, closed] = await freePorts(2);
  closedPort = closed;
  base = `http://127.0.0.1:${port}`;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      if (req.url === '/busy') res.writeHead(503, { 'retry-after': '3' }).end('busy');
      else if (req.url === '/never') return;
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('HttpClient', () => {
  test('a body given in pieces arrives whole, with its length', async () => {
    const client = new HttpClient(new URL(base));
    const response = await client.post(new URL(`${base}/ok`), {}, [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('e')]);
    expect(response.status).toBe(200);
    expect(bodies.at(-1)?.toString()).toBe('abcde');
    client.close();
  });

  test('a retryable status carries Retry-After; the caller decides what is retryable', async () => {
    const client = new HttpClient(new URL(base));
    const response = await client.post(new URL(`${base}/busy`), {}, [Buffer.from('x')]);
    const retryable = statusError('POST busy', response, (status) => status === 503);
    expect(retryable).toBeInstanceOf(ExportError);
    expect(retryable).toMatchObject({ retryable: true, retryAfterMs: 3_000 });
    expect(retryable.message).toBe('POST busy: HTTP 503: busy');
    expect(statusError('POST busy', response, () => false)).toMatchObject({ retryable: false, retryAfterMs: undefined });
    client.close();
  });

  test('connection refused, the deadline and an abort are retryable errors', async () => {
    const client = new HttpClient(new URL(base));
    await expect(client.post(new URL(`http://127.0.0.1:${closedPort}/`), {}, [Buffer.from('x')])).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
    await expect(client.post(new URL(`${base}/never`), {}, [Buffer.from('x')], undefined, 50)).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('timed out after 50ms') });
    const abort = new AbortController();
    const pending = client.post(new URL(`${base}/never`), {}, [Buffer.from('x')], abort.signal);
    abort.abort(new Error('shutdown'));
    await expect(pending).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('cancelled') });
    client.close();
  });
});

describe('parseRetryAfter', () => {
  test('takes the first of repeated headers, and rejects empty or unreadable values', () => {
    expect(parseRetryAfter(['2', '5'])).toBe(2_000);
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('  ')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
