import { byteAt, indexOfByte, isDigit, isHex, isWordChar } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// IPv6 (IPv4 is found by the number walk, numbers.ts). The scanner judges each maximal run of
// address characters as a whole and moves past it, so every character is looked at a bounded
// number of times; a run that is not exactly one address is left alone.

/** u8[from, to) is a.b.c.d, each part 0-255 (the run holds only hex digits, `.` and `:`). */
function isDottedQuad(u8: Uint8Array, from: number, to: number): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 : u8[i];
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
export function scanIpv6(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let floor = start;
  let colon = indexOfByte(u8, start, end, 58);
  while (colon !== -1) {
    let from = colon;
    while (from > floor && isAddressChar(u8[from - 1])) from--;
    let to = colon + 1;
    while (to < end && isAddressChar(u8[to])) to++;
    floor = to;
    let last = to;
    const tail = u8[last - 1];
    if (tail === 46 || (tail === 58 && byteAt(u8, start, end, last - 2) !== 58)) last--; // punctuation after it
    if (!isWordChar(byteAt(u8, start, end, from - 1)) && !isWordChar(byteAt(u8, start, end, to)) && isIpv6(u8, from, last)) {
      out.push(from, last, id);
    }
    colon = to < end ? indexOfByte(u8, to, end, 58) : -1;
  }
}

function isAddressChar(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

/** Whether the run u8[from, to) (address characters only) is one IPv6 address. */
function isIpv6(u8: Uint8Array, from: number, to: number): boolean {
  if (to - from < 3) return false;
  let groups = 0;
  let compressed = false;
  let sawDigit = false;
  let i = from;
  if (u8[i] === 58) {
    if (u8[i + 1] !== 58) return false;
    compressed = true;
    i += 2;
  }
  while (i < to) {
    const groupStart = i;
    let hasDot = false;
    while (i < to && u8[i] !== 58) {
      const c = u8[i];
      if (c === 46) hasDot = true;
      if (isDigit(c)) sawDigit = true;
      i++;
    }
    const length = i - groupStart;
    if (hasDot) {
      if (i !== to || !isDottedQuad(u8, groupStart, i)) return false;
      groups += 2;
    } else {
      if (length === 0 || length > 4) return false;
      groups++;
    }
    if (i === to) break;
    i++; // the ':'
    if (i === to) return false; // a trailing single ':'
    if (u8[i] === 58) {
      if (compressed) return false;
      compressed = true;
      i++;
    }
  }
  if (!sawDigit) return false;
  return compressed ? groups >= 2 && groups <= 7 : groups === 8;
}
