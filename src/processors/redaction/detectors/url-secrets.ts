import { ascii, indexOfByte, indexOfBytes, isAlnum, startsWithIgnoreCase, toLowerAscii } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

const SCHEME_END = ascii('://');

/**
 * The password of `scheme://user:password@host`: only the password is redacted. The userinfo
 * ends at the last `@` before the authority ends (`/ ? #` or white space), so a password with an
 * unescaped `@` is still covered.
 */
export function scanUrlPasswords(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let at = indexOfBytes(u8, start, end, SCHEME_END);
  while (at !== -1) {
    const authority = at + 3;
    let colon = -1;
    let lastAt = -1;
    let i = authority;
    for (; i < end; i++) {
      const c = u8[i];
      if (c === 47 || c === 63 || c === 35 || c <= 32) break;
      if (c === 64) lastAt = i;
      else if (c === 58 && colon === -1 && lastAt === -1) colon = i;
    }
    if (colon !== -1 && lastAt > colon + 1) out.push(colon + 1, lastAt, id);
    at = i < end ? indexOfBytes(u8, i, end, SCHEME_END) : -1;
  }
}

// Parameter names whose value is a secret, matched whole or as the last part of a longer name
// after `_`, `.` or `-` (db_password, client.secret, x-api-key), case-insensitively.
export const SECRET_PARAMETER_NAMES: readonly string[] = [
  'password', 'passwd', 'pwd', 'pass', 'passphrase',
  'secret', 'client_secret', 'secret_key',
  'token', 'access_token', 'refresh_token', 'id_token', 'auth_token', 'session_token',
  'api_key', 'apikey', 'api-key', 'private_key', 'credential', 'credentials',
  'signature', 'sig', 'x-amz-signature', 'x-amz-security-token',
];

/** Ends a parameter value: & ; # white space quotes , < > brackets. */
function endsValue(c: number): boolean {
  return c <= 32 || c === 38 || c === 59 || c === 35 || c === 34 || c === 39 || c === 44 || c === 60 || c === 62 ||
    c === 41 || c === 93 || c === 125;
}

/** `name=value` with a secret name: the value only. Covers query strings, forms and key=value logs. */
export function scanQuerySecrets(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let floor = start;
  let eq = indexOfByte(u8, start, end, 61);
  while (eq !== -1) {
    let to = eq + 1;
    if (endsInSecretName(u8, start, end, floor, eq)) {
      while (to < end && !endsValue(u8[to])) to++;
      if (to > eq + 1) out.push(eq + 1, to, id);
    }
    floor = to;
    eq = to < end ? indexOfByte(u8, to, end, 61) : -1;
  }
}

// The names by their last character (lower case), so that the text before an `=` is compared
// only with the few names it could end in.
const NAMES_BY_LAST_CHAR: ReadonlyArray<readonly Uint8Array[]> = (() => {
  const byLast: Uint8Array[][] = Array.from({ length: 128 }, () => []);
  for (const name of SECRET_PARAMETER_NAMES) byLast[name.charCodeAt(name.length - 1)].push(ascii(name));
  return byLast;
})();

/**
 * Whether the parameter name that ends at `to` is a secret one, case-insensitively: the whole
 * name, or its last part after `_`, `.` or `-` (`db_password`, not `mypassword`). Only the
 * character before a candidate is looked at, so a name of any length costs the same. `floor` is
 * where the text after the previous value starts.
 */
function endsInSecretName(u8: Uint8Array, start: number, end: number, floor: number, to: number): boolean {
  if (to <= floor) return false;
  const last = toLowerAscii(u8[to - 1]);
  if (last >= 128) return false;
  const names = NAMES_BY_LAST_CHAR[last];
  for (let k = 0; k < names.length; k++) {
    const at = to - names[k].length;
    if (at < floor) continue;
    // Glued to a letter or digit, the name is part of another word (`mypassword`).
    if (at > floor && isAlnum(u8[at - 1])) continue;
    if (startsWithIgnoreCase(u8, start, end, at, names[k])) return true;
  }
  return false;
}
