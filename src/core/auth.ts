/** What an authenticator extension offers receivers. */
export type AuthResult = { ok: true; principal: string } | { ok: false; reason: string };

export interface Authenticator {
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): AuthResult;
}

export function isAuthenticator(value: unknown): value is Authenticator {
  return typeof (value as Authenticator | undefined)?.authenticate === 'function';
}
