// The HTTP/1.1 fast path, over real sockets: the common shape is served by it, everything else by
// node:http on the same connection, and no byte is lost or reordered at the hand-over.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { http } from '../../src/net.ts';
import type { BodyError } from '../../src/receivers/otlp/body.ts';
import { nodeExchange, type HttpExchange } from '../../src/receivers/otlp/exchange.ts';
import { Http1Server, parseRequestHead, type Http1Refusal } from '../../src/receivers/otlp/http1.ts';

interface Running {
  port: number;
  refusals: Http1Refusal[];
  /** Which server answered each request: 'fast' or 'node'. */
  servedBy: string[];
  /** Status of every BodyError the handler saw. */
  bodyErrors: number[];
  server: Http1Server;
}

let running: Running | undefined;
afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

/** Echoes method, path, body length and x-test; /slow answers after 50 ms, /wait/N after N ms, /early before reading the body. */
async function start(options: { headersTimeoutMs?: number; requestTimeoutMs?: number; keepAliveTimeoutMs?: number; lingerTimeoutMs?: number; limit?: number } = {}): Promise<Running> {
  const servedBy: string[] = [];
  const refusals: Http1Refusal[] = [];
  const bodyErrors: number[] = [];
  const handle = async (exchange: HttpExchange, via: string) => {
    servedBy.push(via);
    if (exchange.url === '/early') {
      exchange.discardBody();
      exchange.respond(404, { 'content-type': 'text/plain' }, 'early|');
      return;
    }
    let body: Buffer;
    try {
      body = await exchange.readBody(options.limit ?? 1 << 20);
    } catch (error) {
      const status = (error as BodyError).status;
      bodyErrors.push(status);
      exchange.respond(status, { 'content-type': 'text/plain' }, (error as Error).message, status === 413);
      return;
    }
    const wait = exchange.url === '/slow' ? 50 : exchange.url.startsWith('/wait/') ? Number(exchange.url.slice(6)) : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    exchange.respond(200, { 'content-type': 'text/plain' }, `${exchange.method} ${exchange.url} ${body.length} ${exchange.headers['x-test'] ?? '-'} ${body.toString('latin1').slice(0, 16)}|`);
  };
  const fallback = http.createServer({ keepAliveTimeout: 5_000, connectionsCheckingInterval: 50 }, (req, res) => void handle(nodeExchange(req, res), 'node'));
  const server = new Http1Server((exchange) => void handle(exchange, 'fast'), fallback, {
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    lingerTimeoutMs: options.lingerTimeoutMs,
    checkIntervalMs: 20,
    onRefusal: (status) => refusals.push(status),
  });
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  running = { port: typeof address === 'object' && address !== null ? address.port : 0, refusals, servedBy, bodyErrors, server };
  return running;
}

/** Opens a connection and collects everything the server sends until it closes or goes quiet. */
function open(port: number, allowHalfOpen = false): { socket: Socket; received: () => string; closed: Promise<void>; ended: Promise<void>; quiet: (ms?: number) => Promise<string> } {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
  const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const quiet = async (ms = 150) => {
    let seen = -1;
    while (seen !== data.length) {
      seen = data.length;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, ms)), closed]);
    }
    return data;
  };
  return { socket, received: () => data, closed, ended, quiet };
}

function post(path: string, body: string, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

/** Resolves once `count` responses have arrived. */
async function waitForText(received: () => string, count: number): Promise<void> {
  while (statuses(received()).length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

function bodies(text: string): string[] {
  return [...text.matchAll(/(?:POST|GET) \/\S* \d+ \S+ [^|]*/g)].map((match) => match[0]);
}

describe('request heads', () => {
  test('the common OTLP shape is parsed, names lower-cased, whitespace around values dropped', () => {
    const head = parseRequestHead('POST /v1/traces?x=1 HTTP/1.1\r\nHost: h:4318\r\nContent-Type:  application/x-protobuf \r\nContent-Length: 12\r\nX-Scope-OrgID: acme\r\nConnection: keep-alive');
    expect(head).toMatchObject({ method: 'POST', url: '/v1/traces?x=1', contentLength: 12, close: false });
    expect({ ...head!.headers }).toEqual({ host: 'h:4318', 'content-type': 'application/x-protobuf', 'content-length': '12', 'x-scope-orgid': 'acme', connection: 'keep-alive' });
    expect(parseRequestHead('POST / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, Close')?.close).toBe(true);
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h')?.contentLength).toBe(0);
  });

  test.each([
    ['chunked', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked'],
    ['Expect', 'POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5'],
    ['Upgrade', 'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: h2c'],
    ['HTTP/1.0', 'POST / HTTP/1.0\r\nHost: h\r\nContent-Length: 1'],
    ['an absolute target', 'POST http://h/v1/traces HTTP/1.1\r\nHost: h'],
    ['a repeated header', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1'],
    ['a non-numeric length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1'],
    ['no Host', 'POST / HTTP/1.1\r\nContent-Length: 1'],
    ['a folded line', 'POST / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  2'],
    ['space before the colon', 'POST / HTTP/1.1\r\nHost : h'],
    ['a bare LF', 'POST / HTTP/1.1\r\nHost: h\nX-A: 1'],
    ['a lower-case version', 'POST / http/1.1\r\nHost: h'],
    ['a method node:http does not know', 'FOO / HTTP/1.1\r\nHost: h'],
  ])('%s goes to node:http', (_, text) => {
    expect(parseRequestHead(text)).toBeUndefined();
  });
});

describe('the fast path over a socket', () => {
  test('keep-alive: requests on one connection are answered in order, with length and Date', async () => {
    const { port, servedBy } = await start();
    const client = open(port);
    client.socket.write(post('/a', 'one', 'X-Test: 1\r\n'));
    await client.quiet();
    client.socket.write(post('/b', 'second', 'X-Test: 2\r\n'));
    const text = await client.quiet();
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('POST /a 3 1 one');
    expect(text).toContain('POST /b 6 2 second');
    expect(text).toMatch(/Date: \w{3}, \d\d \w{3} \d{4}/);
    expect(text).toContain('Keep-Alive: timeout=5');
    expect(servedBy).toEqual(['fast', 'fast']);
    client.socket.destroy();
  });

  test('pipelined requests in one write, one byte at a time, and split at every point', async () => {
    const { port, servedBy } = await start();
    const two = post('/slow', 'first body') + post('/b', 'x'.repeat(3000));
    const together = open(port);
    together.socket.write(two);
    expect(bodies(await together.quiet())).toEqual(['POST /slow 10 - first body', `POST /b 3000 - ${'x'.repeat(16)}`]);
    together.socket.destroy();

    const trickled = open(port);
    for (const byte of post('/t', 'abc')) {
      trickled.socket.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(bodies(await trickled.quiet())).toEqual(['POST /t 3 - abc']);
    trickled.socket.destroy();

    const small = post('/s', 'hello') + post('/t', 'world');
    for (let cut = 1; cut < small.length; cut += 7) {
      const split = open(port);
      split.socket.write(small.slice(0, cut));
      await new Promise((resolve) => setTimeout(resolve, 2));
      split.socket.write(small.slice(cut));
      expect(bodies(await split.quiet(40))).toEqual(['POST /s 5 - hello', 'POST /t 5 - world']);
      split.socket.destroy();
    }
    expect(servedBy.every((via) => via === 'fast')).toBe(true);
  });

  test('megabytes pipelined behind a slow request pause reads, and every request is still answered', async () => {
    const { port } = await start();
    const client = open(port);
    const body = 'p'.repeat(64 * 1024);
    client.socket.write(post('/slow', 'first') + Array.from({ length: 40 }, (_, i) => post(`/p${i}`, body)).join(''));
    const answered = bodies(await client.quiet(300));
    expect(answered).toHaveLength(41);
    expect(answered[40]).toBe(`POST /p39 65536 - ${'p'.repeat(16)}`);
    client.socket.destroy();
  });

  test('a client that pipelines without reading its answers stops being read, and loses nothing once it reads', async () => {
    const { port, servedBy } = await start();
    const client = open(port);
    client.socket.pause();
    const count = 60_000;
    client.socket.write('GET /g HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count));
    let handled = -1;
    while (handled !== servedBy.length) {
      handled = servedBy.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // The kernel's buffers hold some answers; past them the server stops reading.
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(count);
    client.socket.resume();
    for (let i = 0; i < 200 && statuses(client.received()).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statuses(client.received())).toHaveLength(count);
    expect(servedBy).toHaveLength(count);
    client.socket.destroy();
  });

  test('HEAD gets headers and no body, and the next pipelined response stays in step', async () => {
    const { port } = await start();
    const client = open(port);
    client.socket.write('HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n' + post('/after', 'x'));
    const text = await client.quiet();
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toMatch(/Content-Length: \d+\r\n\r\nHTTP\/1\.1 200/);
    expect(bodies(text)).toEqual(['POST /after 1 - x']);
    client.socket.destroy();
  });

  test('the keep-alive clock starts when the answer is sent, not when the request arrived', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 300 });
    const client = open(port);
    client.socket.write(post('/wait/400', 'x'));
    while (statuses(client.received()).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const answeredAt = Date.now();
    await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 150))]);
    expect(client.socket.destroyed).toBe(false);
    client.socket.write(post('/again', 'y'));
    expect(bodies(await client.quiet(50))).toEqual(['POST /wait/400 1 - x', 'POST /again 1 - y']);
    client.socket.destroy();
  });

  test('a request answered early whose body then stalls is closed without a second answer', async () => {
    const { port, refusals } = await start({ requestTimeoutMs: 150 });
    const client = open(port);
    client.socket.write('POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    await client.closed;
    expect(statuses(client.received())).toEqual([404]);
    expect(refusals).toEqual([]);
  });

  test('a FIN behind a partial pipelined head gets a 400 at once, not after the headers timeout', async () => {
    // A headers timeout far past the test's own: only the immediate 400 can close this connection.
    const { port, refusals } = await start({ headersTimeoutMs: 600_000 });
    const client = open(port);
    client.socket.end(post('/slow', 'a') + 'POST /p HTTP/1.1\r\nHo');
    await client.closed;
    expect(statuses(client.received())).toEqual([200, 400]);
    expect(refusals).toEqual([400]);
  });

  test('a chunked request is handed to node:http with the bytes already read, and the connection goes on there', async () => {
    const { port, servedBy } = await start();
    const client = open(port);
    const chunked = 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n';
    client.socket.write(post('/a', 'fast') + chunked + post('/after', 'still'));
    const text = await client.quiet();
    expect(bodies(text)).toEqual(['POST /a 4 - fast', 'POST /c 7 - abcdefg', 'POST /after 5 - still']);
    expect(servedBy).toEqual(['fast', 'node', 'node']);
    client.socket.destroy();
  });

  test('Expect: 100-continue is answered by node:http', async () => {
    const { port, servedBy } = await start();
    const client = open(port);
    client.socket.write('POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
    await client.quiet();
    expect(client.received()).toContain('HTTP/1.1 100 Continue');
    client.socket.write('abc');
    expect(bodies(await client.quiet())).toEqual(['POST /e 3 - abc']);
    expect(servedBy).toEqual(['node']);
    client.socket.destroy();
  });

  test('a malformed request gets node:http\'s 400 and is counted', async () => {
    const { port, refusals } = await start();
    const client = open(port);
    client.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
    await client.closed;
    expect(statuses(client.received())).toEqual([400]);
    expect(refusals).toEqual([]); // the test's fallback has no clientError counting; the receiver's does
  });

  test('a head over 16 KiB is 431, counted, and the connection closes', async () => {
    const { port, refusals } = await start();
    const client = open(port);
    client.socket.write(`POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000)}\r\n`);
    await client.closed;
    expect(statuses(client.received())).toEqual([431]);
    expect(refusals).toEqual([431]);
  });

  test('Connection: close is honoured, and a client FIN still gets its answer', async () => {
    const { port } = await start();
    const closing = open(port);
    closing.socket.write(post('/a', 'x', 'Connection: close\r\n'));
    await closing.closed;
    expect(closing.received()).toContain('Connection: close');
    expect(statuses(closing.received())).toEqual([200]);

    const halfClosed = open(port);
    halfClosed.socket.end(post('/slow', 'y'));
    await halfClosed.closed;
    expect(bodies(halfClosed.received())).toEqual(['POST /slow 1 - y']);
  });

  test('a declared body over the limit is refused at once, and the connection closes once the client goes quiet, even if it never closes', async () => {
    const { port, server } = await start({ limit: 10, lingerTimeoutMs: 50 });
    const client = open(port, true);
    client.socket.write('POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc');
    await client.ended;
    expect(statuses(client.received())).toEqual([413]);
    expect(client.received()).toContain('Connection: close');
    const connections = () => new Promise<number>((resolve) => server.server.getConnections((_, count) => resolve(count)));
    for (let i = 0; i < 50 && (await connections()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await connections()).toBe(0);
    client.socket.destroy();
  });

  test('a declared body over the limit that the client goes on sending is read and dropped, so the client reads its 413 instead of a reset', async () => {
    const { port } = await start({ limit: 10 });
    const client = open(port, true);
    const errors: string[] = [];
    client.socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    const size = 8 * 1024 * 1024;
    client.socket.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
    // Sent after the answer is on its way: a server that closed at once would reset these writes.
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    for (let sent = 0; sent < size; sent += chunk.length) {
      if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once('drain', resolve));
    }
    client.socket.end();
    await client.closed;
    expect(statuses(client.received())).toEqual([413]);
    expect(errors).toEqual([]);
  });

  test('a request whose lines end in a bare LF gets 400 at once, and the connection closes', async () => {
    const { port } = await start({ headersTimeoutMs: 600_000 });
    const client = open(port);
    client.socket.write('POST /x HTTP/1.1\nHost: x\nContent-Length: 2\n\nok');
    await client.closed;
    expect(statuses(client.received())).toEqual([400]);
  });

  test('close(grace) answers requests in flight, with Connection: close, before their connections close', async () => {
    const { port, server } = await start();
    const busy = open(port);
    busy.socket.write(post('/wait/1000', 'x'));
    const idle = open(port);
    idle.socket.write(post('/a', 'y'));
    await idle.quiet();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closing = server.close(10_000);
    running = undefined;
    await Promise.all([busy.closed, idle.closed, closing]);
    expect(bodies(busy.received())).toEqual(['POST /wait/1000 1 - x']);
    expect(busy.received()).toContain('Connection: close');
    expect(bodies(idle.received())).toEqual(['POST /a 1 - y']);
  });

  test('a client that disconnects mid-body fails the read, and the server goes on', async () => {
    const { port, bodyErrors } = await start();
    const client = open(port);
    client.socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    await new Promise((resolve) => setTimeout(resolve, 30));
    client.socket.destroy();
    await client.closed;
    const next = open(port);
    next.socket.write(post('/next', 'ok'));
    expect(bodies(await next.quiet())).toEqual(['POST /next 2 - ok']);
    expect(bodyErrors).toEqual([400]);
    next.socket.destroy();
  });

  test('a head or body that stalls past its timeout is 408 and counted; an idle connection closes', async () => {
    const { port, refusals, bodyErrors } = await start({ headersTimeoutMs: 100, requestTimeoutMs: 200, keepAliveTimeoutMs: 1000 });
    const head = open(port);
    head.socket.write('POST / HTTP/1.1\r\nHost: x\r\n');
    await head.closed;
    expect(statuses(head.received())).toEqual([408]);
    expect(refusals).toEqual([408]);

    const body = open(port);
    body.socket.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    await body.closed;
    // The 408 is written first; the handler's own answer to the failed body finds the connection closed.
    expect(statuses(body.received())).toEqual([408]);
    expect(bodyErrors).toEqual([408]);

    // Kept alive after its answer (a second request on it is served), then closed once idle.
    const idle = open(port);
    idle.socket.write(post('/a', 'x'));
    await waitForText(idle.received, 1);
    idle.socket.write(post('/b', 'y'));
    await idle.closed;
    expect(statuses(idle.received())).toEqual([200, 200]);
  });

  test('node:http enforces its timeouts on connections it took over', async () => {
    const { port } = await start({ headersTimeoutMs: 100, requestTimeoutMs: 200 });
    const client = open(port);
    client.socket.write('POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab');
    await client.closed;
    expect(statuses(client.received())).toEqual([408]);
  });

  test('close() ends fast-path and handed-over connections alike', async () => {
    const { port, server } = await start();
    const fast = open(port);
    fast.socket.write(post('/a', 'x'));
    await fast.quiet();
    const handed = open(port);
    handed.socket.write('POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    await handed.quiet();
    await server.close();
    running = undefined;
    await Promise.all([fast.closed, handed.closed]);
  });
});
