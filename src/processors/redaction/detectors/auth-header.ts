import { codeAt, isAlpha, isDigit, isTokenChar, startsWithIgnoreCase, toLowerAscii } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// The credentials after the HTTP auth schemes `Bearer` and `Basic` (any case), not the scheme
// itself. To stay clear of prose ("Basic authentication failed"): a Basic credential must decode
// from base64 to text with a `:` (user:password); a Bearer token must be 8+ characters with a
// digit.
export function scanAuthHeaders(s: string, out: MatchBuffer, id: number): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (toLowerAscii(codeAt(s, i)) !== 0x62 || isAlpha(codeAt(s, i - 1))) {
      i++;
      continue;
    }
    let tokenStart: number;
    let basic: boolean;
    if (startsWithIgnoreCase(s, i, 'bearer ')) {
      tokenStart = i + 7;
      basic = false;
    } else if (startsWithIgnoreCase(s, i, 'basic ')) {
      tokenStart = i + 6;
      basic = true;
    } else {
      i++;
      continue;
    }
    while (codeAt(s, tokenStart) === 32) tokenStart++;
    let end = tokenStart;
    let digits = 0;
    while (end < n && isTokenChar(codeAt(s, end))) {
      if (isDigit(codeAt(s, end))) digits++;
      end++;
    }
    while (end < n && codeAt(s, end) === 61) end++; // '=' padding
    const length = end - tokenStart;
    const credential = basic ? isBasicCredential(s, tokenStart, end) : length >= 8 && digits > 0;
    if (credential) {
      out.push(tokenStart, end, id);
      i = end;
    } else {
      // The rejected word may itself be a scheme ("Basic Bearer <token>"). Still linear: a scheme
      // ends in a space, so each word is read at most twice, as a credential and as a scheme.
      i = tokenStart;
    }
  }
}

function isBasicCredential(s: string, start: number, end: number): boolean {
  if (end - start < 4 || end - start > 4096) return false;
  const decoded = Buffer.from(s.slice(start, end), 'base64');
  return decoded.indexOf(0x3a) > 0;
}
