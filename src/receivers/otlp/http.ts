import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Authenticator } from '../../core/auth.ts';
import { PipelineError } from '../../core/errors.ts';
import { newOutcome, type RequestMetadata } from '../../core/metadata.ts';
import { encodeJsonResponse } from '../../otlp/json.ts';
import { encodeExportResponse } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';
import { closeServer, http, https, listen, splitHostPort } from '../../net.ts';
import type { RequestAcceptor, Encoding } from './accept.ts';
import { ADMISSION_MESSAGE, type Admission, type AdmissionRefusal } from './admission.ts';
import { BodyError, decompress } from './body.ts';
import type { HttpSettings } from './config.ts';
import { nodeExchange, type HttpExchange } from './exchange.ts';
import { closingResponse, Http1Server } from './http1.ts';
import { encodeRpcStatus, GRPC_CODE, HTTP_STATUS } from '../../otlp/rpc-status.ts';
import { claimedTenant, pickHeaders } from './headers.ts';
import { Cors } from './cors.ts';

const NODE_TLS_VERSIONS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;

function tlsVersions(tls: { min_version?: keyof typeof NODE_TLS_VERSIONS; max_version?: keyof typeof NODE_TLS_VERSIONS }) {
  return {
    ...(tls.min_version !== undefined ? { minVersion: NODE_TLS_VERSIONS[tls.min_version] } : {}),
    ...(tls.max_version !== undefined ? { maxVersion: NODE_TLS_VERSIONS[tls.max_version] } : {}),
  };
}

/** node:http's 5 s would race SDK clients, which export every 5 s and reuse the connection. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How long shutdown waits for requests in flight to get their answers before closing their connections. */
const SHUTDOWN_GRACE_MS = 5_000;
/** What a compressed body is expected to grow to, reserved until its real size is known (OTLP compresses 5-10×). */
const EXPECTED_COMPRESSION_RATIO = 8;
const PROTO_CONTENT_TYPE = { 'content-type': 'application/x-protobuf' };
const JSON_CONTENT_TYPE = { 'content-type': 'application/json' };
/** The refusal reason counted for each status answered before a request reaches the pipeline. */
const REFUSAL_BY_STATUS = { 400: 'invalid', 408: 'timeout', 413: 'too_large', 415: 'unsupported_encoding', 431: 'too_large' } as const;
/** The google.rpc.Status code in the body of a refusal that comes from reading the body (BodyError). */
const BODY_ERROR_GRPC_CODE = {
  400: 3, // INVALID_ARGUMENT
  408: 4, // DEADLINE_EXCEEDED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT: an unsupported Content-Encoding
} as const;

const CONTENT_TYPES: Record<string, Encoding> = {
  'application/x-protobuf': 'proto',
  'application/protobuf': 'proto',
  'application/json': 'json',
};

/** OTLP/HTTP, as the specification's "OTLP/HTTP" section describes it. */
export class OtlpHttpServer {
  readonly #settings: HttpSettings;
  readonly #cors: Cors | undefined;
  readonly #acceptor: RequestAcceptor;
  readonly #admission: Admission;
  readonly #logger: Logger;
  readonly #authenticator: Authenticator | undefined;
  readonly #metadataHeaders: readonly string[];
  readonly #routes: Map<string, Signal>;
  #server: Server | undefined;
  #http1: Http1Server | undefined;

  constructor(settings: HttpSettings, acceptor: RequestAcceptor, admission: Admission, logger: Logger, authenticator: Authenticator | undefined, metadataHeaders: readonly string[]) {
    this.#settings = settings;
    this.#cors = settings.cors === undefined ? undefined : new Cors(settings.cors);
    this.#acceptor = acceptor;
    this.#admission = admission;
    this.#logger = logger;
    this.#authenticator = authenticator;
    this.#metadataHeaders = metadataHeaders;
    this.#routes = new Map([
      [settings.traces_url_path, 'traces'],
      [settings.metrics_url_path, 'metrics'],
      [settings.logs_url_path, 'logs'],
    ]);
  }

  async start(): Promise<void> {
    const handle = (exchange: HttpExchange) => {
      this.#handle(exchange).catch((error) => {
        this.#logger.error({ error: String(error) }, 'unexpected error handling OTLP/HTTP request');
        exchange.respond(500, {}, '');
      });
    };
    const viaNode = (req: IncomingMessage, res: ServerResponse) => handle(nodeExchange(req, res));
    const { host, port } = splitHostPort(this.#settings.endpoint);
    const tls = this.#settings.tls;
    if (tls) {
      // TLS stays on node:https: the handshake and the cipher cost far more than the HTTP framing.
      const server = https().createServer({ cert: readFileSync(tls.cert_file), key: readFileSync(tls.key_file), ca: tls.client_ca_file ? readFileSync(tls.client_ca_file) : undefined, requestCert: tls.client_ca_file !== undefined, ...tlsVersions(tls) }, viaNode);
      this.#capConnections(server);
      await listen(server, port, host);
      this.#server = server;
    } else {
      const fallback = http.createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, viaNode);
      fallback.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.#clientError(error, socket));
      this.#http1 = new Http1Server(handle, fallback, {
        keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
        onRefusal: (status) => this.#acceptor.countRefusal(REFUSAL_BY_STATUS[status]),
      });
      this.#capConnections(this.#http1.server);
      await listen(this.#http1.server, port, host);
    }
    this.#logger.info({ endpoint: this.#settings.endpoint }, 'OTLP/HTTP receiver listening');
  }

  get port(): number | undefined {
    const address = (this.#http1?.server ?? this.#server)?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /** Past max_connections, node:net closes new connections as they arrive; each is counted. */
  #capConnections(server: import('node:net').Server): void {
    server.maxConnections = this.#settings.max_connections;
    server.on('drop', () => this.#acceptor.countRefusal('connections'));
  }

  /** What node:http does for a request it cannot parse, and the refusal is counted. */
  #clientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    this.#acceptor.countRefusal(REFUSAL_BY_STATUS[status]);
    socket.end(closingResponse(status));
  }

  async #handle(original: HttpExchange): Promise<void> {
    const exchange = this.#cors === undefined ? original : this.#cors.handle(original);
    if (exchange === true) return;
    const path = exchange.url.split('?')[0];
    const signal = this.#routes.get(path);
    if (signal === undefined || !this.#acceptor.handles(signal)) {
      exchange.discardBody();
      exchange.respond(404, { 'content-type': 'text/plain' }, 'not found');
      return;
    }
    if (exchange.method !== 'POST') {
      exchange.discardBody();
      this.#acceptor.countRefusal('method_not_allowed');
      exchange.respond(405, { allow: 'POST', 'content-type': 'text/plain' }, 'method not allowed; use POST');
      return;
    }
    const headers = exchange.headers;
    const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const encoding = CONTENT_TYPES[contentType];
    if (encoding === undefined) {
      exchange.discardBody();
      this.#acceptor.countRefusal('unsupported_media_type');
      exchange.respond(415, { 'content-type': 'text/plain' }, `unsupported Content-Type "${contentType}"; use application/x-protobuf or application/json`);
      return;
    }

    // Authenticated from the headers alone: a request without a valid token costs its headers.
    let principal: string | undefined;
    if (this.#authenticator !== undefined) {
      const auth = this.#authenticator.authenticate(headers);
      if (!auth.ok) {
        exchange.discardBody();
        this.#acceptor.countRefusal('unauthenticated');
        this.#fail(exchange, encoding, new PipelineError('unauthenticated', auth.reason), true);
        return;
      }
      principal = auth.principal;
    }

    const limit = this.#settings.max_request_body_size;
    const declared = exchange.contentLength;
    if (declared !== undefined && declared > limit) {
      // Answered before a body byte is read; the connection then closes once the client has sent
      // what it declared (or stops), so it reads this answer instead of a reset.
      exchange.discardBody();
      this.#acceptor.countRefusal('too_large');
      this.#writeStatus(exchange, encoding, 413, BODY_ERROR_GRPC_CODE[413], `request body of ${declared} bytes exceeds the limit of ${limit}`, true);
      return;
    }
    // Reserved before the body is read; a chunked body, of unknown length, as it arrives.
    const tenant = principal ?? claimedTenant(headers);
    const ticket = this.#admission.admit(declared ?? 0, exchange.connection, tenant);
    if (typeof ticket === 'string') {
      exchange.discardBody();
      this.#refuseForLoad(exchange, encoding, ticket);
      return;
    }
    let outgrown: AdmissionRefusal | undefined;
    const grow = declared !== undefined ? undefined : (length: number) => (outgrown = ticket.resize(length)) === undefined;

    let body: Buffer;
    try {
      body = await exchange.readBody(limit, grow);
      const contentEncoding = headers['content-encoding'];
      if (contentEncoding !== undefined && contentEncoding !== '' && contentEncoding !== 'identity') {
        // The decompressed body is held beside the compressed one while it is decoded; OTLP
        // compresses about 5-10×, and what it really came to is reserved once it is known.
        let refusal = ticket.resize(body.length + Math.min(limit, body.length * EXPECTED_COMPRESSION_RATIO));
        if (refusal === undefined) {
          body = await decompress(body, contentEncoding, limit);
          refusal = ticket.resize(body.length);
        }
        if (refusal !== undefined) {
          ticket.release();
          this.#refuseForLoad(exchange, encoding, refusal);
          return;
        }
      } else if (body.length !== ticket.bytes) {
        ticket.resize(body.length);
      }
    } catch (error) {
      ticket.release();
      if (!(error instanceof BodyError)) throw error;
      if (error.status === 503) {
        this.#refuseForLoad(exchange, encoding, outgrown ?? 'memory');
        return;
      }
      this.#acceptor.countRefusal(REFUSAL_BY_STATUS[error.status]);
      // A refused oversized upload is not read to the end; close so the client stops sending.
      this.#writeStatus(exchange, encoding, error.status, BODY_ERROR_GRPC_CODE[error.status], error.message, error.status === 413 || error.status === 408);
      return;
    }

    const metadata: RequestMetadata = {
      tenant: undefined,
      principal,
      clientAddress: exchange.remoteAddress,
      headers: pickHeaders(headers, this.#metadataHeaders),
      receivedAt: Date.now(),
      transport: 'http',
      outcome: newOutcome(),
    };
    let outcome;
    try {
      outcome = await this.#acceptor.accept(signal, body, encoding, metadata, ticket);
    } finally {
      ticket.release();
    }
    if (!outcome.ok) {
      this.#fail(exchange, encoding, outcome.error);
      return;
    }
    if (encoding === 'proto') {
      exchange.respond(200, PROTO_CONTENT_TYPE, encodeExportResponse(signal, outcome.rejected, outcome.message));
    } else {
      exchange.respond(200, JSON_CONTENT_TYPE, encodeJsonResponse(signal, outcome.rejected, outcome.message));
    }
  }

  /**
   * 503 with Retry-After, at once, before any of the body is read. The connection then closes
   * once the client stops sending (a lingering close): a client that stalls its body cannot keep
   * a refused connection, and one that sends it all reads the answer.
   */
  #refuseForLoad(exchange: HttpExchange, encoding: Encoding, reason: AdmissionRefusal): void {
    this.#acceptor.countRefusal(reason);
    this.#fail(exchange, encoding, new PipelineError('overloaded', ADMISSION_MESSAGE[reason], this.#admission.retryAfterMs), true);
  }

  /** `close`: the body was not read, so the connection closes after the answer (see #refuseForLoad). */
  #fail(exchange: HttpExchange, encoding: Encoding, error: PipelineError, close = false): void {
    const status = HTTP_STATUS[error.kind];
    const retryAfter = error.retryAfterMs !== undefined && (status === 429 || status === 503) ? String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) : undefined;
    this.#writeStatus(exchange, encoding, status, GRPC_CODE[error.kind], error.message, close, retryAfter);
  }

  /** Error bodies are a google.rpc.Status in the request's encoding, as OTLP/HTTP asks. */
  #writeStatus(exchange: HttpExchange, encoding: Encoding, status: number, grpcCode: number, message: string, close: boolean, retryAfter?: string): void {
    const headers: Record<string, string> = { ...(encoding === 'json' ? JSON_CONTENT_TYPE : PROTO_CONTENT_TYPE) };
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    exchange.respond(status, headers, encoding === 'json' ? JSON.stringify({ code: grpcCode, message }) : encodeRpcStatus(grpcCode, message), close);
  }

  async shutdown(): Promise<void> {
    if (this.#http1 !== undefined) await this.#http1.close(SHUTDOWN_GRACE_MS);
    if (this.#server !== undefined) await closeServer(this.#server);
    this.#http1 = undefined;
    this.#server = undefined;
  }
}
