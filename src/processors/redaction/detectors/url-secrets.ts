import { codeAt, isAlnum, startsWithIgnoreCase, toLowerAscii } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

/**
 * The password of `scheme://user:password@host`: only the password is redacted. The userinfo
 * ends at the last `@` before the authority ends (`/ ? #` or white space), so a password with an
 * unescaped `@` is still covered.
 */
export function scanUrlPasswords(s: string, out: MatchBuffer, id: number): void {
  const n = s.length;
  let at = s.indexOf('://');
  while (at !== -1) {
    const authority = at + 3;
    let colon = -1;
    let lastAt = -1;
    let i = authority;
    for (; i < n; i++) {
      const c = codeAt(s, i);
      if (c === 47 || c === 63 || c === 35 || c <= 32) break;
      if (c === 64) lastAt = i;
      else if (c === 58 && colon === -1 && lastAt === -1) colon = i;
    }
    if (colon !== -1 && lastAt > colon + 1) out.push(colon + 1, lastAt, id);
    at = i < n ? s.indexOf('://', i) : -1;
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
export function scanQuerySecrets(s: string, out: MatchBuffer, id: number): void {
  const n = s.length;
  let floor = 0;
  let eq = s.indexOf('=');
  while (eq !== -1) {
    let end = eq + 1;
    if (endsInSecretName(s, floor, eq)) {
      while (end < n && !endsValue(codeAt(s, end))) end++;
      if (end > eq + 1) out.push(eq + 1, end, id);
    }
    floor = end;
    eq = end < n ? s.indexOf('=', end) : -1;
  }
}

// The names by their last character (lower case), so that the text before an `=` is compared
// only with the few names it could end in.
const NAMES_BY_LAST_CHAR: ReadonlyArray<readonly string[]> = (() => {
  const byLast: string[][] = Array.from({ length: 128 }, () => []);
  for (const name of SECRET_PARAMETER_NAMES) byLast[name.charCodeAt(name.length - 1)].push(name);
  return byLast;
})();

/**
 * Whether the parameter name that ends at `end` is a secret one, case-insensitively: the whole
 * name, or its last part after `_`, `.` or `-` (`db_password`, not `mypassword`). Only the
 * character before a candidate is looked at, so a name of any length costs the same. `floor` is
 * where the text after the previous value starts.
 */
function endsInSecretName(s: string, floor: number, end: number): boolean {
  if (end <= floor) return false;
  const last = toLowerAscii(s.charCodeAt(end - 1));
  if (last >= 128) return false;
  const names = NAMES_BY_LAST_CHAR[last];
  for (let k = 0; k < names.length; k++) {
    const at = end - names[k].length;
    if (at < floor) continue;
    // Glued to a letter or digit, the name is part of another word (`mypassword`).
    if (at > floor && isAlnum(codeAt(s, at - 1))) continue;
    if (startsWithIgnoreCase(s, at, names[k])) return true;
  }
  return false;
}
