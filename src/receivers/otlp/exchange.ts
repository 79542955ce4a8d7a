import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.ts';

/**
 * One OTLP/HTTP request and its response, whichever server carried it: the HTTP/1.1 fast path
 * (http1.ts) or node:http. The receiver is written once against this.
 */
export interface HttpExchange {
  readonly method: string;
  /** The request target, query included. */
  readonly url: string;
  /** Lower-case names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  /** The declared Content-Length; undefined for a chunked body. */
  readonly contentLength: number | undefined;
  /** The connection it came on (any object that is the same for every request on it), for per-connection caps. */
  readonly connection: object;
  /**
   * The whole body; rejects with a BodyError (413) as soon as it passes `limit`. For a body of
   * undeclared length, `grow` is asked before each chunk is kept (a 503 when it says no).
   */
  readBody(limit: number, grow?: (length: number) => boolean): Promise<Buffer>;
  /** The body will not be read: drop it as it arrives. */
  discardBody(): void;
  /**
   * `close` ends the connection after the response, as a refused oversized upload needs. The
   * server writes Content-Length, Connection and Date itself; `headers` must not carry them.
   */
  respond(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array, close?: boolean): void;
  readonly responded: boolean;
}

/** node:http's request and response as an exchange: TLS, and requests the fast path hands over. */
export function nodeExchange(req: IncomingMessage, res: ServerResponse): HttpExchange {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? '',
    contentLength: req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']),
    connection: req.socket,
    readBody: (limit, grow) => readBody(req, limit, grow),
    discardBody: () => void req.resume(),
    respond(status, headers, body, close = false) {
      if (res.headersSent) return;
      if (close) res.setHeader('connection', 'close');
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) }).end(body);
    },
    get responded() {
      return res.headersSent;
    },
  };
}
