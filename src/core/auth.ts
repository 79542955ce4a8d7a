import type { RequestMetadata } from './metadata.ts';

/** What an authenticator extension offers receivers. `principal` is a tenant id, when the credential names one. */
export type AuthResult = { ok: true; principal?: string } | { ok: false; reason: string };

export interface Authenticator {
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult;
}

export function isAuthenticator(value: unknown): value is Authenticator {
  return typeof (value as Authenticator | undefined)?.authenticate === 'function';
}

/**
 * What a client authenticator extension offers exporters (`auth.authenticator`): it edits the
 * headers of one outgoing request, which may depend on the request metadata of the batch sent
 * (headers_setter forwards a tenant header). Header names are matched case-insensitively.
 */
export interface ClientAuthenticator {
  authorize(headers: Record<string, string>, metadata: RequestMetadata): void;
}

export function isClientAuthenticator(value: unknown): value is ClientAuthenticator {
  return typeof (value as ClientAuthenticator | undefined)?.authorize === 'function';
}

/** Sets a header, replacing any spelling of the same name. */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const existing = findHeader(headers, name);
  if (existing !== undefined && existing !== name) delete headers[existing];
  headers[name] = value;
}

/** The key under which `name` is set, in whatever case, or undefined. */
export function findHeader(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  if (name in headers) return name;
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return key;
  return undefined;
}
