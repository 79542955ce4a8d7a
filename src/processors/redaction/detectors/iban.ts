import { byteAt, isAlnum, isDigit, isUpper } from './chars.ts';

// IBAN lengths by country, from the SWIFT IBAN registry. A country not listed is not matched:
// two capitals and two digits start too many ordinary identifiers to trust mod-97 alone.
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

// Indexed by the two letters (26 * 26), 0 when the country has no IBAN.
const LENGTH_BY_COUNTRY = new Uint8Array(26 * 26);
for (const [country, length] of Object.entries(IBAN_LENGTHS)) {
  LENGTH_BY_COUNTRY[(country.charCodeAt(0) - 65) * 26 + (country.charCodeAt(1) - 65)] = length;
}

/**
 * The end of a valid IBAN starting at `from` (two capitals, two digits known to be there), or
 * -1: the country's length, in electronic form or in groups of four separated by single spaces
 * (print form), then mod 97 = 1.
 */
export function ibanEnd(u8: Uint8Array, start: number, end: number, from: number): number {
  const expected = LENGTH_BY_COUNTRY[(u8[from] - 65) * 26 + (u8[from + 1] - 65)];
  if (expected === 0) return -1;
  // mod 97 of the rearranged number (BBAN, then country and check digits), letters as 10-35.
  let remainder = 0;
  let count = 0;
  let j = from;
  while (count < expected && j < end) {
    const c = u8[j];
    if (c === 32 && count % 4 === 0 && count > 0 && j + 1 < end && u8[j + 1] !== 32) {
      j++;
      continue;
    }
    if (count >= 4) {
      if (isDigit(c)) remainder = (remainder * 10 + (c - 48)) % 97;
      else if (isUpper(c)) remainder = (remainder * 100 + (c - 55)) % 97;
      else return -1;
    } else if (!isAlnum(c)) {
      return -1;
    }
    count++;
    j++;
  }
  if (count !== expected || isAlnum(byteAt(u8, start, end, j))) return -1;
  for (let k = from; k < from + 4; k++) {
    const c = u8[k];
    remainder = isDigit(c) ? (remainder * 10 + (c - 48)) % 97 : (remainder * 100 + (c - 55)) % 97;
  }
  return remainder === 1 ? j : -1;
}
