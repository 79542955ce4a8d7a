import { ascii, byteAt, containsIgnoreCase, indexOfBytes, isAlnum, isBase64, isDigit, isUpper } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

const AKIA = ascii('AKIA');
const ASIA = ascii('ASIA');
const AWS = ascii('aws');
const SECRET = ascii('secret');

/** Access key ids: AKIA (long-term) or ASIA (temporary) and 16 capitals or digits, standing alone. */
export function scanAwsAccessKeys(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  scanKeyIds(u8, start, end, out, id, AKIA);
  scanKeyIds(u8, start, end, out, id, ASIA);
}

function scanKeyIds(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number, prefix: Uint8Array): void {
  let at = indexOfBytes(u8, start, end, prefix);
  while (at !== -1) {
    let to = at + 4;
    while (to < at + 20 && (isUpper(byteAt(u8, start, end, to)) || isDigit(byteAt(u8, start, end, to)))) to++;
    if (to === at + 20 && !isAlnum(byteAt(u8, start, end, at - 1)) && !isAlnum(byteAt(u8, start, end, to))) out.push(at, to, id);
    at = indexOfBytes(u8, to, end, prefix);
  }
}

// A secret access key is 40 base64 characters: on its own that also describes many hashes and
// ids, so it needs context, an attribute key or the 64 characters before it mentioning `aws` or
// `secret`, and a mix of upper case, lower case and digits (which rules out hex digests).
const CONTEXT_WINDOW = 64;

const keyContextCache = new Map<string, boolean>();

/** Context first (the key, cached; a search of the value), then the scan for candidates. */
export function scanAwsSecretKeys(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number, key: string): void {
  let keyContext = keyContextCache.get(key);
  if (keyContext === undefined) {
    keyContext = keyHasSecretContext(key);
    if (keyContextCache.size >= 10_000) keyContextCache.clear();
    keyContextCache.set(key, keyContext);
  }
  if (!keyContext && !hasSecretContext(u8, start, end, start, end)) return;
  let i = start;
  while (i < end) {
    if (!isBase64(u8[i])) {
      i++;
      continue;
    }
    const from = i;
    let upper = 0;
    let lower = 0;
    let digits = 0;
    while (i < end) {
      const c = u8[i];
      if (!isBase64(c)) break;
      if (isUpper(c)) upper++;
      else if (isDigit(c)) digits++;
      else if (c >= 97) lower++;
      i++;
    }
    if (i - from !== 40 || upper === 0 || lower === 0 || digits === 0 || byteAt(u8, start, end, i) === 61) continue;
    if (keyContext || hasSecretContext(u8, start, end, from - CONTEXT_WINDOW, from)) out.push(from, i, id);
  }
}

/** Once per distinct key (cached): its own bytes, as toScanBytes writes them, since the scratch buffer may hold the value. */
function keyHasSecretContext(key: string): boolean {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = Math.min(key.charCodeAt(i), 0x80);
  return hasSecretContext(bytes, 0, bytes.length, 0, bytes.length);
}

function hasSecretContext(u8: Uint8Array, start: number, end: number, from: number, to: number): boolean {
  return containsIgnoreCase(u8, start, end, from, to, AWS) || containsIgnoreCase(u8, start, end, from, to, SECRET);
}
