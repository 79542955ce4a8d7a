import { byteAt, indexOfByte, isAlnum, isAlpha, isDomainChar, isEmailLocal } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// local@domain.tld: a non-empty local part (no leading dot, at most 64 characters) and a domain
// of at least two labels ending in an alphabetic TLD of two or more letters. `@mention`,
// `user@localhost` and `a@b` are not emails. Each '@' scans back no further than the previous
// '@' or match, and forward over domain characters (which never include '@'): linear.
export function scanEmails(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let floor = start;
  let at = indexOfByte(u8, start, end, 64);
  while (at !== -1) {
    let from = at;
    while (from > floor && isEmailLocal(u8[from - 1])) from--;
    while (from < at && u8[from] === 46) from++;
    let to = at + 1;
    while (to < end && isDomainChar(u8[to])) to++;
    const domainScanEnd = to;
    while (to > at + 1 && !isAlnum(u8[to - 1])) to--;
    let tldStart = to;
    while (tldStart > at + 1 && isAlpha(u8[tldStart - 1])) tldStart--;
    const valid =
      from < at &&
      at - from <= 64 &&
      isAlnum(byteAt(u8, start, end, at + 1)) &&
      to - tldStart >= 2 &&
      tldStart - 1 > at + 1 &&
      u8[tldStart - 1] === 46 &&
      u8[tldStart - 2] !== 46;
    if (valid) {
      out.push(from, to, id);
      floor = to;
    } else {
      floor = at + 1;
    }
    at = indexOfByte(u8, domainScanEnd, end, 64);
  }
}
