import { codeAt, isAlnum, isBase64Url, isWordChar } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// Service tokens recognised by their documented prefixes. Each prefix must start a word and be
// followed by enough body characters; the match is prefix and body.

type BodyChar = (c: number) => boolean;

function isAlnumOrUnderscore(c: number): boolean {
  return isWordChar(c);
}
function isAlnumOrDash(c: number): boolean {
  return isAlnum(c) || c === 45;
}

function scanPrefixed(s: string, out: MatchBuffer, id: number, prefix: string, body: BodyChar, minBody: number): void {
  let at = s.indexOf(prefix);
  while (at !== -1) {
    let end = at + prefix.length;
    while (end < s.length && body(codeAt(s, end))) end++;
    if (end - at - prefix.length >= minBody && !isAlnum(codeAt(s, at - 1))) out.push(at, end, id);
    at = s.indexOf(prefix, end);
  }
}

/** ghp_ gho_ ghu_ ghs_ ghr_ + 36 alphanumerics (30+ accepted); github_pat_ + 22+ of [A-Za-z0-9_]. */
export function scanGithubTokens(s: string, out: MatchBuffer, id: number): void {
  scanPrefixed(s, out, id, 'ghp_', isAlnum, 30);
  scanPrefixed(s, out, id, 'gho_', isAlnum, 30);
  scanPrefixed(s, out, id, 'ghu_', isAlnum, 30);
  scanPrefixed(s, out, id, 'ghs_', isAlnum, 30);
  scanPrefixed(s, out, id, 'ghr_', isAlnum, 30);
  scanPrefixed(s, out, id, 'github_pat_', isAlnumOrUnderscore, 22);
}

/** glpat- + 20+ of [A-Za-z0-9_-]. */
export function scanGitlabTokens(s: string, out: MatchBuffer, id: number): void {
  scanPrefixed(s, out, id, 'glpat-', isBase64Url, 20);
}

/** xoxb- xoxa- xoxp- xoxr- xoxs- + 10+ of [A-Za-z0-9-]. */
export function scanSlackTokens(s: string, out: MatchBuffer, id: number): void {
  let at = s.indexOf('xox');
  while (at !== -1) {
    const kind = codeAt(s, at + 3);
    const isKind = kind === 0x62 || kind === 0x61 || kind === 0x70 || kind === 0x72 || kind === 0x73;
    let end = at + 3;
    if (isKind && codeAt(s, at + 4) === 45) {
      end = at + 5;
      while (end < s.length && isAlnumOrDash(codeAt(s, end))) end++;
      if (end - at - 5 >= 10 && !isAlnum(codeAt(s, at - 1))) out.push(at, end, id);
    }
    at = s.indexOf('xox', end);
  }
}

/** Stripe secret and restricted keys: sk_live_ rk_live_ sk_test_ rk_test_ + 10+ alphanumerics. */
export function scanStripeKeys(s: string, out: MatchBuffer, id: number): void {
  scanPrefixed(s, out, id, 'sk_live_', isAlnum, 10);
  scanPrefixed(s, out, id, 'rk_live_', isAlnum, 10);
  scanPrefixed(s, out, id, 'sk_test_', isAlnum, 10);
  scanPrefixed(s, out, id, 'rk_test_', isAlnum, 10);
}
