import { ascii, byteAt, isAlpha, isDigit, isTokenChar, startsWithIgnoreCase, toLowerAscii } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

const BEARER = ascii('bearer ');
const BASIC = ascii('basic ');

// The credentials after the HTTP auth schemes `Bearer` and `Basic` (any case), not the scheme
// itself. To stay clear of prose ("Basic authentication failed"): a Basic credential must decode
// from base64 to text with a `:` (user:password); a Bearer token must be 8+ characters with a
// digit.
export function scanAuthHeaders(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let i = start;
  while (i < end) {
    if (toLowerAscii(u8[i]) !== 0x62 || isAlpha(byteAt(u8, start, end, i - 1))) {
      i++;
      continue;
    }
    let tokenStart: number;
    let basic: boolean;
    if (startsWithIgnoreCase(u8, start, end, i, BEARER)) {
      tokenStart = i + 7;
      basic = false;
    } else if (startsWithIgnoreCase(u8, start, end, i, BASIC)) {
      tokenStart = i + 6;
      basic = true;
    } else {
      i++;
      continue;
    }
    while (byteAt(u8, start, end, tokenStart) === 32) tokenStart++;
    let to = tokenStart;
    let digits = 0;
    while (to < end && isTokenChar(u8[to])) {
      if (isDigit(u8[to])) digits++;
      to++;
    }
    while (to < end && u8[to] === 61) to++; // '=' padding
    const length = to - tokenStart;
    const credential = basic ? isBasicCredential(u8, tokenStart, to) : length >= 8 && digits > 0;
    if (credential) {
      out.push(tokenStart, to, id);
      i = to;
    } else {
      // The rejected word may itself be a scheme ("Basic Bearer <token>"). Still linear: a scheme
      // ends in a space, so each word is read at most twice, as a credential and as a scheme.
      i = tokenStart;
    }
  }
}

/** Whether `Bearer ` or `Basic ` (any case) is in u8[start, end): the prefilter's exact check. */
export function hasAuthScheme(u8: Uint8Array, start: number, end: number): boolean {
  // `Basic ` is the shorter: no scheme starts later than 6 bytes before the end.
  const last = end - 6;
  for (let i = start; i <= last; i++) {
    if ((u8[i] | 0x20) !== 0x62) continue;
    const next = u8[i + 1] | 0x20;
    if (next === 0x65 ? startsWithIgnoreCase(u8, start, end, i, BEARER) : next === 0x61 && startsWithIgnoreCase(u8, start, end, i, BASIC)) return true;
  }
  return false;
}

function isBasicCredential(u8: Uint8Array, from: number, to: number): boolean {
  if (to - from < 4 || to - from > 4096) return false;
  // The credential is ASCII (token characters and `=`): its text is its bytes.
  const text = Buffer.from(u8.buffer, u8.byteOffset + from, to - from).toString('latin1');
  const decoded = Buffer.from(text, 'base64');
  return decoded.indexOf(0x3a) > 0;
}
