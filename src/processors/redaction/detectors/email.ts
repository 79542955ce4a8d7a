import { codeAt, isAlnum, isAlpha, isDomainChar, isEmailLocal } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// local@domain.tld: a non-empty local part (no leading dot, at most 64 characters) and a domain
// of at least two labels ending in an alphabetic TLD of two or more letters. `@mention`,
// `user@localhost` and `a@b` are not emails. Each '@' scans back no further than the previous
// '@' or match, and forward over domain characters (which never include '@'): linear.
export function scanEmails(s: string, out: MatchBuffer, id: number): void {
  const n = s.length;
  let floor = 0;
  let at = s.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > floor && isEmailLocal(codeAt(s, start - 1))) start--;
    while (start < at && codeAt(s, start) === 46) start++;
    let end = at + 1;
    while (end < n && isDomainChar(codeAt(s, end))) end++;
    const domainScanEnd = end;
    while (end > at + 1 && !isAlnum(codeAt(s, end - 1))) end--;
    let tldStart = end;
    while (tldStart > at + 1 && isAlpha(codeAt(s, tldStart - 1))) tldStart--;
    const valid =
      start < at &&
      at - start <= 64 &&
      isAlnum(codeAt(s, at + 1)) &&
      end - tldStart >= 2 &&
      tldStart - 1 > at + 1 &&
      codeAt(s, tldStart - 1) === 46 &&
      codeAt(s, tldStart - 2) !== 46;
    if (valid) {
      out.push(start, end, id);
      floor = end;
    } else {
      floor = at + 1;
    }
    at = s.indexOf('@', domainScanEnd);
  }
}
