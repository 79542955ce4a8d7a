import { ascii, containsIgnoreCase, indexOfBytes } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// PEM blocks whose label names a private key (`-----BEGIN RSA PRIVATE KEY-----`,
// `-----BEGIN PGP PRIVATE KEY BLOCK-----` …), from BEGIN to the end of the matching END line.
// A block cut off before its END line is redacted to the end of the value: half a key is still
// a secret. Labels longer than 64 characters are not PEM.
const BEGIN = ascii('-----BEGIN ');
const END = ascii('-----END ');
const DASHES = ascii('-----');
const PRIVATE_KEY = ascii('private key');
const MAX_LABEL = 64;

export function scanPrivateKeys(u8: Uint8Array, start: number, end: number, out: MatchBuffer, id: number): void {
  let at = indexOfBytes(u8, start, end, BEGIN);
  while (at !== -1) {
    const labelStart = at + BEGIN.length;
    const labelEnd = indexOfBytes(u8, labelStart, end, DASHES);
    if (labelEnd === -1) return;
    if (labelEnd - labelStart > MAX_LABEL || !containsIgnoreCase(u8, start, end, labelStart, labelEnd, PRIVATE_KEY)) {
      at = indexOfBytes(u8, labelStart, end, BEGIN);
      continue;
    }
    const footer = indexOfBytes(u8, labelEnd + DASHES.length, end, END);
    if (footer === -1) {
      out.push(at, end, id);
      return;
    }
    const footerEnd = indexOfBytes(u8, footer + END.length, end, DASHES);
    const to = footerEnd === -1 || footerEnd - footer > MAX_LABEL + END.length ? end : footerEnd + DASHES.length;
    out.push(at, to, id);
    at = indexOfBytes(u8, to, end, BEGIN);
  }
}
