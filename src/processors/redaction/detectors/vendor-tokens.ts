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

/**
 * After a rejected candidate the search resumes one character on, so a token glued behind a
 * rejected one (`axoxb-xoxb-…`) is still found. A candidate whose body starts inside the run of
 * body characters measured last reuses that run's end, so each character is measured once and
 * the scan stays linear however the candidates nest.
 */
function scanPrefixed(s: string, out: MatchBuffer, id: number, prefix: string, body: BodyChar, minBody: number): void {
  // Candidates come in order, so a body start at or before the last run's end lies inside it.
  let runEnd = -1;
  let at = s.indexOf(prefix);
  while (at !== -1) {
    const bodyStart = at + prefix.length;
    if (bodyStart > runEnd) {
      runEnd = bodyStart;
      while (runEnd < s.length && body(codeAt(s, runEnd))) runEnd++;
    }
    if (runEnd - bodyStart >= minBody && !isAlnum(codeAt(s, at - 1))) {
      out.push(at, runEnd, id);
      at = s.indexOf(prefix, runEnd);
    } else {
      at = s.indexOf(prefix, at + 1);
    }
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
  scanPrefixed(s, out, id, 'xoxb-', isAlnumOrDash, 10);
  scanPrefixed(s, out, id, 'xoxa-', isAlnumOrDash, 10);
  scanPrefixed(s, out, id, 'xoxp-', isAlnumOrDash, 10);
  scanPrefixed(s, out, id, 'xoxr-', isAlnumOrDash, 10);
  scanPrefixed(s, out, id, 'xoxs-', isAlnumOrDash, 10);
}

/** Stripe secret and restricted keys: sk_live_ rk_live_ sk_test_ rk_test_ + 10+ alphanumerics. */
export function scanStripeKeys(s: string, out: MatchBuffer, id: number): void {
  scanPrefixed(s, out, id, 'sk_live_', isAlnum, 10);
  scanPrefixed(s, out, id, 'rk_live_', isAlnum, 10);
  scanPrefixed(s, out, id, 'sk_test_', isAlnum, 10);
  scanPrefixed(s, out, id, 'rk_test_', isAlnum, 10);
}
