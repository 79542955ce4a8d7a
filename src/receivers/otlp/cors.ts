import type { CorsSettings } from './config.ts';
import type { HttpExchange } from './exchange.ts';

// CORS for browser OTLP clients (the JS SDK in a page), as the Collector's confighttp does it:
// a preflight from an allowed origin gets 204 with the allowed method, headers and max age; any
// response to an allowed origin carries Access-Control-Allow-Origin. Other origins get no CORS
// headers, so the browser refuses them itself. Patterns are compiled once.

/** Headers a browser may always send; OTLP clients add Content-Type and Content-Encoding. */
const SAFE_HEADERS = ['accept', 'content-type', 'content-encoding', 'x-requested-with'];

export class Cors {
  readonly #origins: RegExp[];
  readonly #anyHeader: boolean;
  readonly #headers: string;
  readonly #maxAge: string | undefined;

  constructor(settings: CorsSettings) {
    this.#origins = settings.allowed_origins.map((origin) => new RegExp(`^${origin.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i'));
    this.#anyHeader = settings.allowed_headers.includes('*');
    this.#headers = [...SAFE_HEADERS, ...settings.allowed_headers.filter((h) => h !== '*').map((h) => h.toLowerCase())].join(', ');
    this.#maxAge = settings.max_age === undefined ? undefined : String(settings.max_age);
  }

  #allowed(origin: string | undefined): origin is string {
    return origin !== undefined && this.#origins.some((pattern) => pattern.test(origin));
  }

  /** Answers a preflight and returns true; otherwise returns the exchange to use (marking allowed responses). */
  handle(exchange: HttpExchange): HttpExchange | true {
    const origin = exchange.headers.origin;
    if (exchange.method === 'OPTIONS' && exchange.headers['access-control-request-method'] !== undefined) {
      exchange.discardBody();
      const headers: Record<string, string> = { vary: 'Origin' };
      if (this.#allowed(origin)) {
        headers['access-control-allow-origin'] = origin;
        headers['access-control-allow-methods'] = 'POST';
        const requested = exchange.headers['access-control-request-headers'];
        headers['access-control-allow-headers'] = this.#anyHeader && typeof requested === 'string' ? requested : this.#headers;
        if (this.#maxAge !== undefined) headers['access-control-max-age'] = this.#maxAge;
      }
      exchange.respond(204, headers, '');
      return true;
    }
    if (!this.#allowed(origin)) return exchange;
    const marked = { 'access-control-allow-origin': origin, vary: 'Origin' };
    return {
      get method() { return exchange.method; },
      get url() { return exchange.url; },
      get headers() { return exchange.headers; },
      get remoteAddress() { return exchange.remoteAddress; },
      get contentLength() { return exchange.contentLength; },
      get connection() { return exchange.connection; },
      readBody: (limit, grow) => exchange.readBody(limit, grow),
      discardBody: () => exchange.discardBody(),
      respond: (status, headers, body, close) => exchange.respond(status, { ...headers, ...marked }, body, close),
      get responded() { return exchange.responded; },
    };
  }
}
