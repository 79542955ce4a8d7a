// One pass over a value that says which detectors could possibly match, so a clean value costs a
// table lookup per character and nothing else. Bits 0-15 are character classes, read from a
// 64K-entry table (no branch for non-ASCII). A few characters are "special": when one is seen,
// a constant-time look around it decides whether a known prefix (`eyJ`, `AKIA`, `ghp_`,
// `-----BEGIN`, `Bearer `…) ends or starts there, and sets a precise trigger bit (16+).

export const C_DIGIT = 1;
export const C_UPPER = 2;
export const C_AT = 4;
export const C_COLON = 8;
export const C_EQ = 16;
export const C_DOT = 32;
export const C_DASH = 64;
export const C_PLUS = 128;
export const C_UNDERSCORE = 256;
export const C_SLASH = 512;
export const C_PAREN = 1024;
const C_SPECIAL = 2048;

export const T_EYJ = 1 << 16;
export const T_AKIA = 1 << 17;
export const T_GITHUB = 1 << 18;
export const T_GITLAB = 1 << 19;
export const T_SLACK = 1 << 20;
export const T_STRIPE = 1 << 21;
export const T_PEM = 1 << 22;
export const T_AUTH = 1 << 23;

const CLASS = new Uint16Array(65536);
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) CLASS[chars.charCodeAt(i)] |= bits;
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
mark(DIGITS, C_DIGIT);
mark(UPPER, C_UPPER);
mark('@', C_AT);
mark(':', C_COLON);
mark('=', C_EQ);
mark('.', C_DOT);
mark('-', C_DASH | C_SPECIAL);
mark('+', C_PLUS);
mark('_', C_UNDERSCORE | C_SPECIAL);
mark('/', C_SLASH);
mark('()', C_PAREN);
mark('AJbB', C_SPECIAL);

// The scan result lives in module state so that a scan allocates nothing; read it right after.
export let scannedMask = 0;
export let scannedDigits = 0;

export function prefilter(s: string): void {
  let mask = 0;
  let digits = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const k = CLASS[s.charCodeAt(i)];
    mask |= k;
    digits += k & C_DIGIT;
    if ((k & C_SPECIAL) !== 0) mask |= special(s, i);
  }
  scannedMask = mask;
  scannedDigits = digits;
}

function at(s: string, i: number): number {
  return i >= 0 && i < s.length ? s.charCodeAt(i) : 0;
}

function lower(s: string, i: number): number {
  return at(s, i) | 0x20;
}

/** Constant-time checks around one special character. */
function special(s: string, i: number): number {
  const c = s.charCodeAt(i);
  switch (c) {
    case 0x4a: // J: eyJ
      return at(s, i - 1) === 0x79 && at(s, i - 2) === 0x65 ? T_EYJ : 0;
    case 0x41: // A: the last A of AKIA / ASIA
      if (at(s, i - 1) === 0x49 && at(s, i - 3) === 0x41) {
        const k = at(s, i - 2);
        if (k === 0x4b || k === 0x53) return T_AKIA;
      }
      return 0;
    case 0x5f: // _: ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ / sk_live_ rk_test_ …
      if (at(s, i - 2) === 0x68 && at(s, i - 3) === 0x67) return T_GITHUB;
      if (at(s, i - 1) === 0x74 && at(s, i - 2) === 0x61 && at(s, i - 3) === 0x70 && at(s, i - 4) === 0x5f) {
        return T_GITHUB;
      }
      if (at(s, i - 5) === 0x5f && at(s, i - 6) === 0x6b) return T_STRIPE;
      return 0;
    case 0x2d: // -: glpat- / xoxb- / -----BEGIN
      if (at(s, i + 1) === 0x42 && at(s, i - 1) === 0x2d) return T_PEM;
      if (at(s, i - 1) === 0x74 && at(s, i - 2) === 0x61 && at(s, i - 5) === 0x67) return T_GITLAB;
      if (at(s, i - 2) === 0x78 && at(s, i - 3) === 0x6f && at(s, i - 4) === 0x78) return T_SLACK;
      return 0;
    default: {
      // b / B: the word Bearer or Basic followed by a space
      const e = lower(s, i + 1);
      if (e === 0x65) {
        return lower(s, i + 2) === 0x61 && lower(s, i + 3) === 0x72 && lower(s, i + 4) === 0x65 &&
          lower(s, i + 5) === 0x72 && at(s, i + 6) === 0x20
          ? T_AUTH
          : 0;
      }
      if (e === 0x61) {
        return lower(s, i + 2) === 0x73 && lower(s, i + 3) === 0x69 && lower(s, i + 4) === 0x63 && at(s, i + 5) === 0x20
          ? T_AUTH
          : 0;
      }
      return 0;
    }
  }
}
