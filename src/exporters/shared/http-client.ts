import type { Agent, IncomingHttpHeaders } from 'node:http';
import { errorMessage, permanentError, retryableError, type ExportError } from '../../core/errors.ts';
import { http, https } from '../../net.ts';
import type { ClientAuthenticator } from '../../core/auth.ts';
import type { RequestMetadata } from '../../core/metadata.ts';
import type { TlsFiles } from './client-config.ts';

// The one HTTP client of the HTTP exporters (otlphttp, prometheusremotewrite): node:http with a
// keep-alive agent, bodies written as pieces (one writev with the headers), a per-request
// deadline, and failures turned into ExportErrors that say whether a retry can help.

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpClientOptions {
  /** Client certificates and CA for https targets. */
  tls?: TlsFiles;
  insecureSkipVerify?: boolean;
  /** node:tls options beyond the files (servername, minVersion, maxVersion). */
  tlsOptions?: { servername?: string; minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' };
  /** Adds credentials to every request (an exporter's `auth.authenticator`). */
  auth?: ClientAuthenticator;
}

export class HttpClient {
  readonly #secure: boolean;
  readonly #agent: Agent;
  readonly #request: typeof http.request;
  readonly #auth: ClientAuthenticator | undefined;

  constructor(url: URL, options: HttpClientOptions = {}) {
    this.#secure = url.protocol === 'https:';
    this.#auth = options.auth;
    const tls = options.tls ?? {};
    this.#agent = this.#secure
      ? new (https().Agent)({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: options.insecureSkipVerify !== true, ...options.tlsOptions })
      : new http.Agent({ keepAlive: true });
    this.#request = this.#secure ? https().request : http.request;
  }

  /**
   * POSTs `body` (its pieces in order) and reads the whole response. Transport failures, the
   * deadline (`timeoutMs`, 0 for none) and an abort reject with a retryable ExportError; any
   * status resolves, for the caller to judge. With an authenticator, `metadata` is the batch's
   * request metadata, which it may read (headers_setter).
   */
  post(url: URL, headers: Record<string, string>, body: readonly Uint8Array[], signal?: AbortSignal, timeoutMs = 0, metadata?: RequestMetadata): Promise<HttpResponse> {
    let length = 0;
    for (let i = 0; i < body.length; i++) length += body[i].byteLength;
    const withLength = { ...headers, 'content-length': String(length) };
    if (this.#auth !== undefined) {
      try {
        this.#auth.authorize(withLength, metadata ?? NO_METADATA);
      } catch (error) {
        return Promise.reject(retryableError(`POST ${safeHref(url)}: authenticator failed: ${errorMessage(error)}`, undefined, error));
      }
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (error: ExportError) => {
        clearTimeout(timer);
        reject(error);
      };
      const req = this.#request(url, { method: 'POST', headers: withLength, agent: this.#agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (error) => fail(transportError(url, error, signal)));
      });
      req.on('error', (error) => fail(transportError(url, error, signal)));
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const error = retryableError(`POST ${safeHref(url)}: timed out after ${timeoutMs}ms`);
          fail(error);
          req.destroy(error);
        }, timeoutMs);
      }
      // Written before the socket is assigned, the pieces are flushed with the headers in one writev.
      for (let i = 0; i < body.length - 1; i++) req.write(body[i]);
      req.end(body.length > 0 ? body[body.length - 1] : undefined);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

const NO_METADATA: RequestMetadata = { tenant: undefined, principal: undefined, clientAddress: '', headers: {}, receivedAt: 0, transport: 'internal', outcome: { rejectedItems: 0, rejectionMessage: '' } };

/** A URL for messages and logs: credentials written into it (`https://user:key@host`) are left out. */
export function safeHref(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function transportError(url: URL, error: unknown, signal: AbortSignal | undefined): ExportError {
  if (signal?.aborted === true) return retryableError(`POST ${safeHref(url)}: cancelled (${errorMessage(signal.reason)})`, undefined, error);
  return retryableError(`POST ${safeHref(url)}: ${describeNetworkError(error)}`, undefined, error);
}

/** The useful part of a network failure: `ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)`. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const cause = error.cause instanceof Error ? error.cause : undefined;
  if (code === undefined && cause !== undefined) return describeNetworkError(cause);
  return typeof code === 'string' && !error.message.includes(code) ? `${code} (${error.message})` : error.message;
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | readonly string[] | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = (typeof value === 'string' ? value : (value[0] ?? '')).trim();
  if (text.length === 0) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const ERROR_BODY_LIMIT = 512;

/**
 * The ExportError for a non-2xx response: `retryable(status)` decides, and a retryable one
 * carries the server's Retry-After. The message keeps the start of the response body.
 */
export function statusError(what: string, response: HttpResponse, retryable: (status: number) => boolean): ExportError {
  const text = response.body.toString('utf8').trim();
  const detail = text.length <= ERROR_BODY_LIMIT ? text : `${text.slice(0, ERROR_BODY_LIMIT)}… (${text.length - ERROR_BODY_LIMIT} more characters)`;
  const message = `${what}: HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
  if (!retryable(response.status)) return permanentError(message);
  return retryableError(message, parseRetryAfter(response.headers['retry-after']));
}
