// Character predicates for the scanners, as one 128-entry table: no regex on the hot path.
const DIGIT = 1;
const UPPER = 2;
const LOWER = 4;
const HEX = 8;
const B64URL_EXTRA = 16; // - _
const B64_EXTRA = 32; // + /
const EMAIL_LOCAL_EXTRA = 64; // . _ % + -
const TOKEN_EXTRA = 128; // - . _ ~ + /  (RFC 6750 token68, without '=')

const TABLE = new Uint8Array(128);
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) TABLE[chars.charCodeAt(i)] |= bits;
}
mark('0123456789', DIGIT | HEX);
mark('ABCDEFGHIJKLMNOPQRSTUVWXYZ', UPPER);
mark('abcdefghijklmnopqrstuvwxyz', LOWER);
mark('abcdefABCDEF', HEX);
mark('-_', B64URL_EXTRA);
mark('+/', B64_EXTRA);
mark('._%+-', EMAIL_LOCAL_EXTRA);
mark('-._~+/', TOKEN_EXTRA);

function has(c: number, bits: number): boolean {
  return c < 128 && (TABLE[c] & bits) !== 0;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
export function isAlpha(c: number): boolean {
  return has(c, UPPER | LOWER);
}
export function isAlnum(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER);
}
/** Letters, digits and `_`: what a word boundary must not touch. */
export function isWordChar(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER) || c === 95;
}
export function isHex(c: number): boolean {
  return has(c, HEX);
}
export function isBase64Url(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER | B64URL_EXTRA);
}
export function isBase64(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER | B64_EXTRA);
}
export function isEmailLocal(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER | EMAIL_LOCAL_EXTRA);
}
/** Letters, digits, `-` and `.`: a host name. */
export function isDomainChar(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER) || c === 45 || c === 46;
}
export function isTokenChar(c: number): boolean {
  return has(c, DIGIT | UPPER | LOWER | TOKEN_EXTRA);
}
export function toLowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

/** Whether `s` holds `word` at `at`, ASCII case-insensitively (`word` is lower case). */
export function startsWithIgnoreCase(s: string, at: number, word: string): boolean {
  if (at < 0 || at + word.length > s.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (toLowerAscii(s.charCodeAt(at + i)) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether `s[from, to)` contains `word` (lower case), ASCII case-insensitively. */
export function containsIgnoreCase(s: string, from: number, to: number, word: string): boolean {
  const first = word.charCodeAt(0);
  for (let i = Math.max(0, from); i + word.length <= to; i++) {
    if (toLowerAscii(s.charCodeAt(i)) === first && startsWithIgnoreCase(s, i, word)) return true;
  }
  return false;
}

/**
 * `s.charCodeAt(i)`, or 0 outside the string. Reading past either end is routine for boundary
 * checks, and an out-of-range charCodeAt (NaN) slows V8's optimised code down markedly.
 */
export function codeAt(s: string, i: number): number {
  return i >= 0 && i < s.length ? s.charCodeAt(i) : 0;
}
