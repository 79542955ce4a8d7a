import { readFileSync } from 'node:fs';
import { setHeader, type AuthResult, type Authenticator, type ClientAuthenticator } from '../../core/auth.ts';
import type { BasicAuthConfig } from './config.ts';
import { parseHtpasswd, passwordMatches, type HtpasswdUser } from './htpasswd.ts';

/** Client side: one fixed `Authorization: Basic …` header. The encoded value is built once. */
export class BasicAuthClient implements ClientAuthenticator {
  readonly #value: string;

  constructor(username: string, password: string) {
    this.#value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  authorize(headers: Record<string, string>): void {
    setHeader(headers, 'Authorization', this.#value);
  }

  shutdown(): void {}
}

/** Server side: checks `Authorization: Basic …` against the htpasswd users. Never echoes what was sent. */
export class BasicAuthServer implements Authenticator {
  #users = new Map<string, HtpasswdUser>();
  readonly #config: NonNullable<BasicAuthConfig['htpasswd']>;

  constructor(config: NonNullable<BasicAuthConfig['htpasswd']>) {
    this.#config = config;
  }

  start(): void {
    const users = new Map<string, HtpasswdUser>();
    if (this.#config.file !== undefined) for (const [u, e] of parseHtpasswd(readFileSync(this.#config.file, 'utf8'), 'htpasswd.file')) users.set(u, e);
    // Inline users win over the file's, as in the Collector.
    if (this.#config.inline !== undefined) for (const [u, e] of parseHtpasswd(this.#config.inline, 'htpasswd.inline')) users.set(u, e);
    this.#users = users;
  }

  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult {
    const header = headers.authorization;
    if (header === undefined) return { ok: false, reason: 'missing credentials' };
    if (typeof header !== 'string' || !/^basic /i.test(header)) return { ok: false, reason: 'invalid credentials' };
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, reason: 'invalid credentials' };
    const user = decoded.slice(0, colon);
    // A user is not a tenant: the principal stays unset, so tenant resolution is unchanged.
    return passwordMatches(this.#users.get(user), decoded.slice(colon + 1)) ? { ok: true } : { ok: false, reason: 'invalid credentials' };
  }
}
