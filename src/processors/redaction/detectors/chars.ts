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

// ---- values as bytes ----
//
// Every detector reads a value as bytes u8[start, end), positions absolute in u8. A value that
// is ASCII is its own UTF-8, one byte per character, so the byte path scans request bytes where
// they lie and its positions are the string's. A JS string is first copied into a scratch buffer
// with every code unit above 0x7f written as 0x80 (toScanBytes): the detectors only ever test
// ASCII characters (a non-ASCII one is "other" to all of them), so positions stay the string's
// and the outcome is the same as on the string itself.

/** u8[i] inside the value [start, end), 0 outside it (reading past either end is routine for boundary checks). */
export function byteAt(u8: Uint8Array, start: number, end: number, i: number): number {
  return i >= start && i < end ? u8[i] : 0;
}

const EMPTY = new Uint8Array(0);
let viewBytes: Uint8Array = EMPTY;
let view: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer);

/** Drops the kept view (its buffer, a request, need not outlive the batch being redacted). */
export function forgetView(): void {
  viewBytes = EMPTY;
  view = new DataView(EMPTY.buffer);
}

/** A DataView over u8 (the last one made is kept: values come one buffer at a time). */
export function viewOf(u8: Uint8Array): DataView {
  if (u8 !== viewBytes) {
    viewBytes = u8;
    view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return view;
}

/**
 * The first `b` in u8[from, end), or -1. Four bytes at a time: a word XOR four copies of `b` has
 * a zero byte exactly where `b` is, and (x - 0x01010101) & ~x & 0x80808080 is non-zero exactly
 * when x has a zero byte.
 */
export function indexOfByte(u8: Uint8Array, from: number, end: number, b: number): number {
  let i = from;
  if (end - from >= 8) {
    const v = viewOf(u8);
    const pattern = b * 0x01010101;
    for (; i + 4 <= end; i += 4) {
      const x = v.getInt32(i, true) ^ pattern;
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
    }
  }
  for (; i < end; i++) if (u8[i] === b) return i;
  return -1;
}

/** The bytes of an ASCII literal, for the searches below (made once, at module load). */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The first occurrence of `pattern` in u8[from, end), or -1. A plain search: the patterns are
 * literals of at most a dozen bytes, so a miss costs at most that many compares per position.
 */
export function indexOfBytes(u8: Uint8Array, from: number, end: number, pattern: Uint8Array): number {
  const m = pattern.length;
  const first = pattern[0];
  const last = end - m;
  let i = from;
  while (i <= last) {
    i = indexOfByte(u8, i, last + 1, first);
    if (i < 0) return -1;
    let k = 1;
    while (k < m && u8[i + k] === pattern[k]) k++;
    if (k === m) return i;
    i++;
  }
  return -1;
}

/** Whether u8 holds `word` (lower-case ASCII bytes) at `at`, inside [start, end), ASCII case-insensitively. */
export function startsWithIgnoreCase(u8: Uint8Array, start: number, end: number, at: number, word: Uint8Array): boolean {
  if (at < start || at + word.length > end) return false;
  for (let i = 0; i < word.length; i++) {
    if (toLowerAscii(u8[at + i]) !== word[i]) return false;
  }
  return true;
}

/** Whether u8[from, to) (clamped to the value [start, end)) contains `word` (lower case), ASCII case-insensitively. */
export function containsIgnoreCase(u8: Uint8Array, start: number, end: number, from: number, to: number, word: Uint8Array): boolean {
  const first = word[0];
  const stop = Math.min(to, end);
  for (let i = Math.max(start, from); i + word.length <= stop; i++) {
    if (toLowerAscii(u8[i]) === first && startsWithIgnoreCase(u8, start, end, i, word)) return true;
  }
  return false;
}

// A Buffer, like the request bytes the byte path scans: the detectors then see one kind of array.
let scratch: Uint8Array = Buffer.allocUnsafeSlow(256);

/**
 * `s` as the detectors read it: its code units in a buffer reused from call to call (valid until
 * the next call), each above 0x7f written as 0x80. Positions in it are positions in `s`.
 */
export function toScanBytes(s: string): Uint8Array {
  const n = s.length;
  if (n > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(n, scratch.length * 2));
  const out = scratch;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out[i] = c < 0x80 ? c : 0x80;
  }
  return out;
}
