import type { IncomingHttpHeaders, Server as NodeHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { http } from '../../net.ts';
import { BodyError } from './body.ts';
import type { HttpExchange } from './exchange.ts';

/**
 * The HTTP/1.1 fast path for OTLP/HTTP.
 *
 * node:http builds an IncomingMessage, a ServerResponse and their streams for every request, and
 * at 100 requests/s that machinery costs more CPU than everything Sluice does with the data (a
 * bare node:http server that reads and answers 200 used ~3% of a core at the testbed load, the
 * same server on node:net ~2%). Almost every OTLP client sends the same shape: POST, HTTP/1.1,
 * Content-Length, keep-alive. This server parses exactly that shape and nothing else. Any request
 * it does not recognise (chunked bodies, Expect, Upgrade, HTTP/1.0, a repeated header, anything
 * malformed) is handed to node:http together with the connection, bytes already read included,
 * so node:http decides every edge case as it always did.
 */

/** Node's default --max-http-header-size. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Bytes a client may pipeline behind a request that is still being handled, before reads pause. */
const MAX_PENDING_BYTES = 1024 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\/[!-~]*) HTTP\/1\.1$/;
/** RFC 9110 tchar: what a field name is made of. */
const TOKEN_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_CHAR[c.charCodeAt(0)] = 1;
/** Methods node:http would accept too; any other goes to node:http, which refuses it. */
const METHODS = new Set(['POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
/** Headers whose presence means the request needs more of HTTP than this path speaks. */
const HAND_OVER = new Set(['transfer-encoding', 'expect', 'upgrade', '__proto__']);
const MAX_LENGTH_DIGITS = 15;
/**
 * After a closing answer, body bytes still arriving are read and dropped, up to this many, so the
 * client reads the answer rather than a reset (EPIPE) it gets when a socket is destroyed while it
 * still sends: nginx's lingering close.
 */
const MAX_LINGER_BYTES = 64 * 1024 * 1024;
/**
 * Connections lingering at once. What they read is garbage until the next collection, so a flood
 * of refused bodies (many clients, or one attacker with many connections) must not all be read:
 * past this many, a closing connection is closed at once, as it was before lingering.
 */
const MAX_LINGERING_CONNECTIONS = 64;

/** Whether a head holds a line feed without its carriage return (which node:http refuses with 400). */
function hasBareLineFeed(data: Buffer): boolean {
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) {
    if (i === 0 || data[i - 1] !== 13) return true;
  }
  return false;
}

/** The statuses this server answers on its own, before any request reaches the handler. */
export type Http1Refusal = 400 | 408 | 431;

export interface Http1Options {
  /** An idle connection closes after this long. */
  keepAliveTimeoutMs: number;
  /** A request head must be complete this long after its first byte (node:http: 60 s). */
  headersTimeoutMs?: number;
  /** A request body must be complete this long after the head's first byte (node:http: 300 s). */
  requestTimeoutMs?: number;
  /** How often connections are checked against the timeouts above (node:http: 30 s). */
  checkIntervalMs?: number;
  /** A closing connection whose client still sends is dropped once it has been quiet this long (default 2 s). */
  lingerTimeoutMs?: number;
  /** Counts requests refused below the receiver: malformed (400), too slow (408), head too large (431). */
  onRefusal(status: Http1Refusal): void;
}

interface RequestHead {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  contentLength: number;
  close: boolean;
}

/** Parses a request head, or returns undefined for anything node:http should decide. */
export function parseRequestHead(text: string): RequestHead | undefined {
  const firstLineEnd = text.indexOf('\r\n');
  const requestLine = REQUEST_LINE.exec(firstLineEnd < 0 ? text : text.slice(0, firstLineEnd));
  if (requestLine === null || !METHODS.has(requestLine[1])) return undefined;
  const headers: IncomingHttpHeaders = {};
  let contentLength = 0;
  let close = false;
  let pos = firstLineEnd < 0 ? text.length : firstLineEnd + 2;
  while (pos < text.length) {
    let lineEnd = text.indexOf('\r\n', pos);
    if (lineEnd < 0) lineEnd = text.length;
    let colon = pos;
    while (colon < lineEnd && text.charCodeAt(colon) < 128 && TOKEN_CHAR[text.charCodeAt(colon)] === 1) colon++;
    if (colon === pos || colon === lineEnd || text.charCodeAt(colon) !== 58) return undefined;
    let start = colon + 1;
    let stop = lineEnd;
    while (start < stop && isOws(text.charCodeAt(start))) start++;
    while (stop > start && isOws(text.charCodeAt(stop - 1))) stop--;
    // Field values hold visible characters, spaces, tabs and obs-text; a CR or LF alone is refused.
    for (let i = start; i < stop; i++) {
      const c = text.charCodeAt(i);
      if ((c < 32 && c !== 9) || c === 127) return undefined;
    }
    const key = text.slice(pos, colon).toLowerCase();
    const value = text.slice(start, stop);
    if (Object.hasOwn(headers, key) || HAND_OVER.has(key)) return undefined;
    headers[key] = value;
    if (key === 'content-length') {
      if (value.length === 0 || value.length > MAX_LENGTH_DIGITS) return undefined;
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c < 48 || c > 57) return undefined;
      }
      contentLength = Number(value);
    } else if (key === 'connection') {
      const tokens = value.toLowerCase().split(',').map((token) => token.trim());
      if (tokens.includes('upgrade')) return undefined;
      close = tokens.includes('close');
    }
    pos = lineEnd + 2;
  }
  if (headers.host === undefined) return undefined;
  return { method: requestLine[1], url: requestLine[2], headers, contentLength, close };
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

let dateCachedAt = 0;
let dateHeader = '';
/** The Date header, formatted at most once a second. */
function httpDate(now: number): string {
  if (now - dateCachedAt >= 1000 || now < dateCachedAt) {
    dateCachedAt = now - (now % 1000);
    dateHeader = new Date(now).toUTCString();
  }
  return dateHeader;
}

/** An empty response written below the receiver, after which the connection closes. */
export function closingResponse(status: number): string {
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

export class Http1Server {
  readonly server: Server;
  /** Takes over connections whose requests the fast path does not handle. */
  readonly fallback: NodeHttpServer;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly lingerTimeoutMs: number;
  /** Set by close(): answers go out with Connection: close, and no new request is read. */
  closing = false;
  readonly #handler: (exchange: HttpExchange) => void;
  readonly #onRefusal: (status: Http1Refusal) => void;
  readonly #connections = new Set<Http1Connection>();
  readonly #handedOver = new Set<Socket>();
  #lingering = 0;
  #sweep: NodeJS.Timeout | undefined;

  constructor(handler: (exchange: HttpExchange) => void, fallback: NodeHttpServer, options: Http1Options) {
    this.#handler = handler;
    this.#onRefusal = options.onRefusal;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs;
    this.headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    this.lingerTimeoutMs = options.lingerTimeoutMs ?? 2_000;
    const checkIntervalMs = options.checkIntervalMs ?? 1_000;
    this.fallback = fallback;
    fallback.headersTimeout = this.headersTimeoutMs;
    fallback.requestTimeout = this.requestTimeoutMs;
    // Half-open like node:http: a client's FIN must not cut off the response to its last request.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.#connections.add(new Http1Connection(this, socket));
    });
    this.server.on('listening', () => {
      this.#sweep = setInterval(() => this.#checkTimeouts(), checkIntervalMs).unref();
      // node:http starts its headers/request timeout checks on 'listening'; the fallback never
      // listens itself, so it is told, and enforces them on the connections it takes over.
      fallback.emit('listening');
    });
    this.server.on('close', () => {
      clearInterval(this.#sweep);
      // Not listening, it answers with an error; closing still stops its timeout checks.
      fallback.close(() => {});
    });
  }

  handle(exchange: HttpExchange): void {
    this.#handler(exchange);
  }

  refused(status: Http1Refusal): void {
    this.#onRefusal(status);
  }

  forget(connection: Http1Connection): void {
    this.#connections.delete(connection);
  }

  /** A closing connection may linger while fewer than MAX_LINGERING_CONNECTIONS do; call lingered() when it ends. */
  mayLinger(): boolean {
    if (this.#lingering >= MAX_LINGERING_CONNECTIONS) return false;
    this.#lingering++;
    return true;
  }

  lingered(): void {
    this.#lingering--;
  }

  handOver(socket: Socket): void {
    this.#handedOver.add(socket);
    socket.once('close', () => this.#handedOver.delete(socket));
    this.fallback.emit('connection', socket);
  }

  /**
   * Stops listening and closes every connection, fast path and node:http alike. Idle connections
   * close at once; a request in flight gets its answer (with Connection: close) first, for up to
   * `graceMs`, so a client is never left to retry what was already accepted.
   */
  close(graceMs = 0): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const connection of this.#connections) connection.closeWhenIdle();
      this.fallback.closeIdleConnections();
      const destroyAll = () => {
        for (const connection of this.#connections) connection.socket.destroy();
        for (const socket of this.#handedOver) socket.destroy();
      };
      if (graceMs <= 0) destroyAll();
      else setTimeout(destroyAll, graceMs).unref();
    });
  }

  #checkTimeouts(): void {
    const now = Date.now();
    for (const connection of this.#connections) connection.checkTimeouts(now);
  }
}

class Http1Connection {
  readonly socket: Socket;
  readonly #server: Http1Server;
  /** An incomplete request head. */
  #head: Buffer | undefined = undefined;
  /** When the first byte of the current request arrived. */
  #requestStartedAt = 0;
  #lastActivityAt: number;
  /** The request being received or handled; undefined between requests. */
  #exchange: Http1Exchange | undefined = undefined;
  #bodyRemaining = 0;
  /** Bytes received after a complete request whose response is not written yet. */
  readonly #pending: Buffer[] = [];
  #pendingBytes = 0;
  #feeding = false;
  /** A response is waiting in the socket's buffer: read no further request until it drains. */
  #draining = false;
  /** The client sent FIN: answer what it asked, then close. */
  #ended = false;
  #closed = false;
  /** Closed with body bytes still to come: up to #lingerBytes more are read and dropped. */
  #lingering = false;
  #lingerBytes = 0;
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);
  readonly #onEnd = () => this.#clientEnded();
  readonly #onClose = () => this.#socketClosed();
  readonly #onError = () => {
    // 'close' follows; a reset by the client is not Sluice's error.
  };
  readonly #onDrain = () => {
    this.#draining = false;
    if (this.#exchange === undefined && !this.#feeding) this.#next();
  };

  constructor(server: Http1Server, socket: Socket) {
    this.#server = server;
    this.socket = socket;
    this.#lastActivityAt = Date.now();
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
    socket.on('drain', this.#onDrain);
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get keepAliveSeconds(): number {
    return Math.floor(this.#server.keepAliveTimeoutMs / 1000);
  }

  #receive(chunk: Buffer): void {
    if (this.#closed) {
      if (!this.#lingering) return;
      this.#lingerBytes -= chunk.length;
      if (this.#lingerBytes < 0) this.socket.destroy();
      else this.#lastActivityAt = Date.now();
      return;
    }
    this.#lastActivityAt = Date.now();
    if ((this.#exchange !== undefined && this.#bodyRemaining === 0) || this.#pendingBytes > 0) {
      this.#hold(chunk);
      return;
    }
    this.#feed(chunk);
  }

  /**
   * Keeps pipelined bytes until the current response is written and has drained, pausing reads
   * past a bound, so a client that sends without reading cannot make Sluice buffer its answers.
   */
  #hold(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes > MAX_PENDING_BYTES || this.#draining) this.socket.pause();
  }

  #feed(input: Buffer): void {
    this.#feeding = true;
    try {
      let chunk = input;
      while (chunk.length > 0 && !this.#closed) {
        if (this.#exchange === undefined) {
          if (this.#draining) {
            this.#hold(chunk);
            return;
          }
          const head = this.#head;
          const data = head === undefined ? chunk : Buffer.concat([head, chunk]);
          if (head === undefined) this.#requestStartedAt = this.#lastActivityAt;
          const end = data.indexOf(HEAD_END, head === undefined ? 0 : Math.max(0, head.length - 3));
          if (end < 0 || end > MAX_HEAD_BYTES) {
            if (end > MAX_HEAD_BYTES || data.length > MAX_HEAD_BYTES) {
              this.#refuse(431);
              return;
            }
            // A bare LF never ends a head here; node:http answers such a request with 400.
            if (hasBareLineFeed(data)) {
              this.#handOver(data);
              return;
            }
            this.#head = data;
            // A client that has sent FIN cannot finish this head.
            if (this.#ended) this.#refuse(400);
            return;
          }
          this.#head = undefined;
          const parsed = parseRequestHead(data.toString('latin1', 0, end));
          if (parsed === undefined) {
            this.#handOver(data);
            return;
          }
          chunk = data.subarray(end + 4);
          this.#exchange = new Http1Exchange(this, parsed);
          this.#bodyRemaining = parsed.contentLength;
          if (this.#bodyRemaining === 0) this.#exchange.complete();
          this.#server.handle(this.#exchange);
          if (this.#closed) return;
        }
        const exchange: Http1Exchange = this.#exchange;
        if (this.#bodyRemaining > 0) {
          const take = Math.min(this.#bodyRemaining, chunk.length);
          this.#bodyRemaining -= take;
          exchange.absorb(take === chunk.length ? chunk : chunk.subarray(0, take));
          chunk = chunk.subarray(take);
          if (this.#bodyRemaining > 0) return;
          exchange.complete();
        }
        if (!exchange.responded) {
          if (chunk.length > 0) this.#hold(chunk);
          return;
        }
        this.#exchange = undefined;
      }
      if (this.#exchange === undefined && this.#ended && !this.#closed) this.#close();
    } finally {
      this.#feeding = false;
    }
  }

  /** Writes a response; once the request's body is in too, reads the next request. */
  write(response: Buffer | string, close: boolean): void {
    if (this.#closed || this.socket.destroyed) return;
    if (close || this.#server.closing) {
      this.#end(response);
      return;
    }
    // The keep-alive clock starts when the answer leaves, as the Keep-Alive header promises.
    this.#lastActivityAt = Date.now();
    if (!this.socket.write(response)) this.#draining = true;
    if (this.#feeding || this.#bodyRemaining > 0) return;
    this.#exchange = undefined;
    if (!this.#draining) this.#next();
  }

  /** Between requests: parse what the client pipelined meanwhile, or close after its FIN. */
  #next(): void {
    if (this.#pendingBytes > 0) {
      const pending = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending);
      // Emptied in place: a keep-alive connection's list is soon promoted, and a replaced one
      // would keep its chunks until the next mark-compact.
      this.#pending.length = 0;
      this.#pendingBytes = 0;
      if (this.socket.isPaused()) this.socket.resume();
      this.#feed(pending);
    } else if (this.#ended) {
      this.#close();
    } else if (this.socket.isPaused()) {
      this.socket.resume();
    }
  }

  checkTimeouts(now: number): void {
    const idle = now - this.#lastActivityAt > this.#server.keepAliveTimeoutMs;
    if (this.#closed) {
      // A closing socket waits for its response to flush, and a lingering one for the client to
      // stop sending; a client that never reads, or trickles, must not hold it.
      if (idle || (this.#lingering && now - this.#lastActivityAt > this.#server.lingerTimeoutMs)) this.socket.destroy();
      return;
    }
    if (this.#head !== undefined) {
      if (now - this.#requestStartedAt > this.#server.headersTimeoutMs) this.#refuse(408);
    } else if (this.#exchange !== undefined) {
      if (this.#bodyRemaining === 0 || now - this.#requestStartedAt <= this.#server.requestTimeoutMs) return;
      // Already answered (a 404 while the body still trickled in): nothing more to say.
      if (this.#exchange.responded) this.socket.destroy();
      else this.#refuse(408);
    } else if (idle) {
      // Idle both ways, or a client that has not read its answers for that long.
      this.socket.destroy();
    }
  }

  #refuse(status: Http1Refusal): void {
    const exchange = this.#exchange;
    this.write(closingResponse(status), true);
    // A request already handed to the receiver is counted there, when its body fails.
    if (exchange !== undefined) exchange.fail(new BodyError(408, 'request body not received in time'));
    else this.#server.refused(status);
  }

  /** Gives the connection, and every byte read but not yet parsed, to node:http. */
  #handOver(unparsed: Buffer): void {
    const socket = this.socket;
    socket.pause();
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    socket.off('error', this.#onError);
    socket.off('drain', this.#onDrain);
    this.#server.forget(this);
    if (unparsed.length > 0) socket.unshift(unparsed);
    this.#server.handOver(socket);
    socket.resume();
  }

  #clientEnded(): void {
    this.#ended = true;
    if (this.#feeding || this.#closed) return;
    const exchange = this.#exchange;
    if (exchange === undefined) {
      this.#close();
    } else if (this.#bodyRemaining > 0) {
      exchange.fail(new BodyError(400, 'connection ended before the request body was complete'));
      this.#close();
    }
  }

  #close(): void {
    this.#end('');
  }

  /**
   * Half-open sockets wait for the client's FIN; one that never sends it must not linger. A body
   * still on its way is read and dropped first (MAX_LINGER_BYTES), so the client reads the answer.
   */
  #end(response: Buffer | string): void {
    this.#closed = true;
    this.#lastActivityAt = Date.now();
    const socket = this.socket;
    this.#lingering = this.#bodyRemaining > 0 && this.#server.mayLinger();
    if (this.#lingering) {
      socket.once('close', () => this.#server.lingered());
      this.#lingerBytes = Math.min(this.#bodyRemaining, MAX_LINGER_BYTES);
      if (socket.isPaused()) socket.resume();
    }
    // Lingering, it closes when the client, having read the answer, closes its side.
    socket.end(response, () => {
      if (!this.#lingering) socket.destroy();
    });
  }

  /** At shutdown: an idle connection closes now, a busy one after its answer (see write). */
  closeWhenIdle(): void {
    if (this.#closed) return;
    if (this.#exchange === undefined && this.#head === undefined) this.#close();
  }

  get closing(): boolean {
    return this.#server.closing;
  }

  #socketClosed(): void {
    this.#closed = true;
    this.#server.forget(this);
    this.#exchange?.fail(new BodyError(400, 'connection closed before the request body was complete'));
  }
}

class Http1Exchange implements HttpExchange {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  readonly contentLength: number;
  readonly connection: object;
  responded = false;
  readonly #connection: Http1Connection;
  readonly #contentLength: number;
  readonly #closeAfter: boolean;
  #chunks: Buffer[] = [];
  #complete = false;
  #discard = false;
  #failure: BodyError | undefined = undefined;
  #resolve: ((body: Buffer) => void) | undefined = undefined;
  #reject: ((error: BodyError) => void) | undefined = undefined;

  constructor(connection: Http1Connection, head: RequestHead) {
    this.#connection = connection;
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
    this.remoteAddress = connection.remoteAddress;
    this.connection = connection;
    this.contentLength = head.contentLength;
    this.#contentLength = head.contentLength;
    this.#closeAfter = head.close;
  }

  readBody(limit: number): Promise<Buffer> {
    if (this.#contentLength > limit) {
      this.#discard = true;
      return Promise.reject(new BodyError(413, `request body of ${this.#contentLength} bytes exceeds the limit of ${limit}`));
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#complete) return Promise.resolve(this.#body());
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  discardBody(): void {
    this.#discard = true;
    this.#chunks = [];
  }

  absorb(chunk: Buffer): void {
    if (!this.#discard) this.#chunks.push(chunk);
  }

  complete(): void {
    this.#complete = true;
    if (this.#resolve !== undefined) this.#resolve(this.#body());
  }

  fail(error: BodyError): void {
    if (this.#complete) return;
    this.#failure = error;
    this.#reject?.(error);
  }

  #body(): Buffer {
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.#contentLength);
  }

  respond(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array, close = false): void {
    if (this.responded) return;
    this.responded = true;
    const closing = close || this.#closeAfter || this.#connection.closing;
    const bodyBytes = typeof body === 'string' ? Buffer.from(body) : body;
    let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `Date: ${httpDate(Date.now())}\r\n`;
    head += closing ? 'Connection: close\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${this.#connection.keepAliveSeconds}\r\n`;
    head += `Content-Length: ${bodyBytes.byteLength}\r\n\r\n`;
    // A response to HEAD has the headers a GET would get, and never a body.
    const bodyLength = this.method === 'HEAD' ? 0 : bodyBytes.byteLength;
    const headLength = Buffer.byteLength(head, 'latin1');
    const response = Buffer.allocUnsafe(headLength + bodyLength);
    response.write(head, 0, 'latin1');
    if (bodyLength > 0) response.set(bodyBytes, headLength);
    this.#connection.write(response, closing);
  }
}
