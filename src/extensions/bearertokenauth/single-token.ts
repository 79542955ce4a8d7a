import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { setHeader, type AuthResult, type Authenticator, type ClientAuthenticator } from '../../core/auth.ts';
import { reloadLogger, WatchedFile } from '../../common/watched-file.ts';
import type { BearerTokenAuthConfig } from './config.ts';

// The Collector's bearertokenauth: one token, inline or from a file that is re-read when it
// changes (a rotated Kubernetes secret). Exporters send `<scheme> <token>` in `header`; receivers
// accept exactly that value. The token is never logged; only its digest is kept for comparing.

export class SingleBearerToken implements Authenticator, ClientAuthenticator {
  readonly #config: BearerTokenAuthConfig;
  readonly #logger: Logger;
  readonly #header: string;
  #value = '';
  #digest: Buffer = Buffer.alloc(32);
  #file: WatchedFile<string> | undefined;

  constructor(config: BearerTokenAuthConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    // Sent as the Collector writes it; node and grpc-js match header names case-insensitively anyway.
    this.#header = config.header === 'authorization' ? 'Authorization' : config.header;
    if (config.token !== undefined) this.#set(config.token);
  }

  async start(): Promise<void> {
    if (this.#config.filename === undefined) return;
    this.#file = await WatchedFile.open<string>({
      path: this.#config.filename,
      label: 'bearer token file',
      parse: (text) => {
        const token = text.trim();
        if (token === '') throw new Error('the file is empty');
        return token;
      },
      onReload: (token) => this.#set(token),
      pollIntervalMs: this.#config.reload_interval,
      onLog: reloadLogger(this.#logger),
    });
    this.#set(this.#file.value);
  }

  #set(token: string): void {
    this.#value = this.#config.scheme === '' ? token : `${this.#config.scheme} ${token}`;
    this.#digest = sha256(this.#value);
  }

  authorize(headers: Record<string, string>): void {
    if (this.#value === '') throw new Error('bearertokenauth has no token yet (not started)');
    setHeader(headers, this.#header, this.#value);
  }

  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult {
    const presented = headers[this.#config.header];
    if (presented === undefined) return { ok: false, reason: 'missing credentials' };
    if (typeof presented !== 'string' || this.#value === '') return { ok: false, reason: 'invalid credentials' };
    // The scheme matches case-insensitively, the token exactly; digests make the comparison constant-time.
    const space = presented.indexOf(' ');
    const normalised = this.#config.scheme === '' || space < 0 ? presented : `${this.#config.scheme}${presented.slice(space)}`;
    const schemeOk = this.#config.scheme === '' || presented.slice(0, space).toLowerCase() === this.#config.scheme.toLowerCase();
    return schemeOk && timingSafeEqual(sha256(normalised), this.#digest) ? { ok: true } : { ok: false, reason: 'invalid credentials' };
  }

  shutdown(): void {
    this.#file?.close();
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
