import { codeAt, containsIgnoreCase, isAlnum, isBase64, isDigit, isUpper } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

/** Access key ids: AKIA (long-term) or ASIA (temporary) and 16 capitals or digits, standing alone. */
export function scanAwsAccessKeys(s: string, out: MatchBuffer, id: number): void {
  scanKeyIds(s, out, id, 'AKIA');
  scanKeyIds(s, out, id, 'ASIA');
}

function scanKeyIds(s: string, out: MatchBuffer, id: number, prefix: string): void {
  let at = s.indexOf(prefix);
  while (at !== -1) {
    let end = at + 4;
    while (end < at + 20 && (isUpper(codeAt(s, end)) || isDigit(codeAt(s, end)))) end++;
    if (end === at + 20 && !isAlnum(codeAt(s, at - 1)) && !isAlnum(codeAt(s, end))) out.push(at, end, id);
    at = s.indexOf(prefix, end);
  }
}

// A secret access key is 40 base64 characters: on its own that also describes many hashes and
// ids, so it needs context, an attribute key or the 64 characters before it mentioning `aws` or
// `secret`, and a mix of upper case, lower case and digits (which rules out hex digests).
const CONTEXT_WINDOW = 64;

const keyContextCache = new Map<string, boolean>();

/** Context first (the key, cached; native searches of the value), then the scan for candidates. */
export function scanAwsSecretKeys(s: string, out: MatchBuffer, id: number, key: string): void {
  let keyContext = keyContextCache.get(key);
  if (keyContext === undefined) {
    keyContext = hasSecretContext(key, 0, key.length);
    if (keyContextCache.size >= 10_000) keyContextCache.clear();
    keyContextCache.set(key, keyContext);
  }
  if (!keyContext && !mentionsSecret(s)) return;
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (!isBase64(codeAt(s, i))) {
      i++;
      continue;
    }
    const start = i;
    let upper = 0;
    let lower = 0;
    let digits = 0;
    while (i < n) {
      const c = codeAt(s, i);
      if (!isBase64(c)) break;
      if (isUpper(c)) upper++;
      else if (isDigit(c)) digits++;
      else if (c >= 97) lower++;
      i++;
    }
    if (i - start !== 40 || upper === 0 || lower === 0 || digits === 0 || codeAt(s, i) === 61) continue;
    if (keyContext || hasSecretContext(s, start - CONTEXT_WINDOW, start)) out.push(start, i, id);
  }
}

function hasSecretContext(s: string, from: number, to: number): boolean {
  return containsIgnoreCase(s, from, to, 'aws') || containsIgnoreCase(s, from, to, 'secret');
}

// In any case, as hasSecretContext matches: a quick check stricter than the real one would let
// "Aws key …" or "SeCrEt=…" through unredacted. A literal alternation, so linear time.
const MENTIONS_SECRET = /aws|secret/i;

function mentionsSecret(s: string): boolean {
  return MENTIONS_SECRET.test(s);
}
