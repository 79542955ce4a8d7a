import { containsIgnoreCase } from './chars.ts';
import type { MatchBuffer } from './match-buffer.ts';

// PEM blocks whose label names a private key (`-----BEGIN RSA PRIVATE KEY-----`,
// `-----BEGIN PGP PRIVATE KEY BLOCK-----` …), from BEGIN to the end of the matching END line.
// A block cut off before its END line is redacted to the end of the value: half a key is still
// a secret. Labels longer than 64 characters are not PEM.
const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const MAX_LABEL = 64;

export function scanPrivateKeys(s: string, out: MatchBuffer, id: number): void {
  let at = s.indexOf(BEGIN);
  while (at !== -1) {
    const labelStart = at + BEGIN.length;
    const labelEnd = s.indexOf(DASHES, labelStart);
    if (labelEnd === -1) return;
    if (labelEnd - labelStart > MAX_LABEL || !containsIgnoreCase(s, labelStart, labelEnd, 'private key')) {
      at = s.indexOf(BEGIN, labelStart);
      continue;
    }
    const footer = s.indexOf(END, labelEnd + DASHES.length);
    if (footer === -1) {
      out.push(at, s.length, id);
      return;
    }
    const footerEnd = s.indexOf(DASHES, footer + END.length);
    const end = footerEnd === -1 || footerEnd - footer > MAX_LABEL + END.length ? s.length : footerEnd + DASHES.length;
    out.push(at, end, id);
    at = s.indexOf(BEGIN, end);
  }
}
