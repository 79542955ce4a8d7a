import { ascii, byteAt, indexOfBytes, isAlnum, isBase64Url, isWordChar } from './chars.ts';
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
function scanPrefixed(
  u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number, prefix: Uint8Array, body: BodyChar, minBody: number,
): void {
  // Candidates come in order, so a body start at or before the last run's end lies inside it.
  let runEnd = -1;
  let at = indexOfBytes(u8, start, end, prefix);
  while (at !== -1) {
    const bodyStart = at + prefix.length;
    if (bodyStart > runEnd) {
      runEnd = bodyStart;
      while (runEnd < end && body(u8[runEnd])) runEnd++;
    }
    if (runEnd - bodyStart >= minBody && !isAlnum(byteAt(u8, start, end, at - 1))) {
      out.push(at, runEnd, id);
      at = indexOfBytes(u8, runEnd, end, prefix);
    } else {
      at = indexOfBytes(u8, at + 1, end, prefix);
    }
  }
}

const GHP = ascii('ghp_');
const GHO = ascii('gho_');
const GHU = ascii('ghu_');
const GHS = ascii('ghs_');
const GHR = ascii('ghr_');
const GITHUB_PAT = ascii('github_pat_');
const GLPAT = ascii('glpat-');
const XOXB = ascii('xoxb-');
const XOXA = ascii('xoxa-');
const XOXP = ascii('xoxp-');
const XOXR = ascii('xoxr-');
const XOXS = ascii('xoxs-');
const SK_LIVE = ascii('sk_live_');
const RK_LIVE = ascii('rk_live_');
const SK_TEST = ascii('sk_test_');
const RK_TEST = ascii('rk_test_');

/** ghp_ gho_ ghu_ ghs_ ghr_ + 36 alphanumerics (30+ accepted); github_pat_ + 22+ of [A-Za-z0-9_]. */
export function scanGithubTokens(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  scanPrefixed(u8, start, end, out, id, GHP, isAlnum, 30);
  scanPrefixed(u8, start, end, out, id, GHO, isAlnum, 30);
  scanPrefixed(u8, start, end, out, id, GHU, isAlnum, 30);
  scanPrefixed(u8, start, end, out, id, GHS, isAlnum, 30);
  scanPrefixed(u8, start, end, out, id, GHR, isAlnum, 30);
  scanPrefixed(u8, start, end, out, id, GITHUB_PAT, isAlnumOrUnderscore, 22);
}

/** glpat- + 20+ of [A-Za-z0-9_-]. */
export function scanGitlabTokens(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  scanPrefixed(u8, start, end, out, id, GLPAT, isBase64Url, 20);
}

/** xoxb- xoxa- xoxp- xoxr- xoxs- + 10+ of [A-Za-z0-9-]. */
export function scanSlackTokens(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  scanPrefixed(u8, start, end, out, id, XOXB, isAlnumOrDash, 10);
  scanPrefixed(u8, start, end, out, id, XOXA, isAlnumOrDash, 10);
  scanPrefixed(u8, start, end, out, id, XOXP, isAlnumOrDash, 10);
  scanPrefixed(u8, start, end, out, id, XOXR, isAlnumOrDash, 10);
  scanPrefixed(u8, start, end, out, id, XOXS, isAlnumOrDash, 10);
}

/** Stripe secret and restricted keys: sk_live_ rk_live_ sk_test_ rk_test_ + 10+ alphanumerics. */
export function scanStripeKeys(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  scanPrefixed(u8, start, end, out, id, SK_LIVE, isAlnum, 10);
  scanPrefixed(u8, start, end, out, id, RK_LIVE, isAlnum, 10);
  scanPrefixed(u8, start, end, out, id, SK_TEST, isAlnum, 10);
  scanPrefixed(u8, start, end, out, id, RK_TEST, isAlnum, 10);
}
