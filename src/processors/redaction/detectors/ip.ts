import { codeAt, isDigit, isHex, isWordChar } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// IPv6 (IPv4 is found by the number walk, numbers.ts). The scanner judges each maximal run of
// address characters as a whole and moves past it, so every character is looked at a bounded
// number of times; a run that is not exactly one address is left alone.

function isDottedQuad(s: string, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : codeAt(s, i);
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else {
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    }
  }
  return parts === 4;
}

/**
 * Full (8 groups) or compressed (one `::`) IPv6, optionally ending in a dotted quad. Compressed
 * forms need two or more groups and a digit, so `::1`, `a::b` and `std::vector` stay, and
 * neither 03:04:05 nor a MAC address has the shape.
 */
export function scanIpv6(s: string, out: MatchBuffer, id: number): void {
  const n = s.length;
  let floor = 0;
  let colon = s.indexOf(':');
  while (colon !== -1) {
    let start = colon;
    while (start > floor && isAddressChar(codeAt(s, start - 1))) start--;
    let end = colon + 1;
    while (end < n && isAddressChar(codeAt(s, end))) end++;
    floor = end;
    let last = end;
    const tail = codeAt(s, last - 1);
    if (tail === 46 || (tail === 58 && codeAt(s, last - 2) !== 58)) last--; // punctuation after it
    if (!isWordChar(codeAt(s, start - 1)) && !isWordChar(codeAt(s, end)) && isIpv6(s, start, last)) {
      out.push(start, last, id);
    }
    colon = end < n ? s.indexOf(':', end) : -1;
  }
}

function isAddressChar(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

function isIpv6(s: string, start: number, end: number): boolean {
  if (end - start < 3) return false;
  let groups = 0;
  let compressed = false;
  let sawDigit = false;
  let i = start;
  if (codeAt(s, i) === 58) {
    if (codeAt(s, i + 1) !== 58) return false;
    compressed = true;
    i += 2;
  }
  while (i < end) {
    const groupStart = i;
    let hasDot = false;
    while (i < end && codeAt(s, i) !== 58) {
      const c = codeAt(s, i);
      if (c === 46) hasDot = true;
      if (isDigit(c)) sawDigit = true;
      i++;
    }
    const length = i - groupStart;
    if (hasDot) {
      if (i !== end || !isDottedQuad(s, groupStart, i)) return false;
      groups += 2;
    } else {
      if (length === 0 || length > 4) return false;
      groups++;
    }
    if (i === end) break;
    i++; // the ':'
    if (i === end) return false; // a trailing single ':'
    if (codeAt(s, i) === 58) {
      if (compressed) return false;
      compressed = true;
      i++;
    }
  }
  if (!sawDigit) return false;
  return compressed ? groups >= 2 && groups <= 7 : groups === 8;
}
