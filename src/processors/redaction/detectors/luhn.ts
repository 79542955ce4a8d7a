import { isDigit } from './chars.ts';

/**
 * Whether the digits in `u8[from, to)` (separators skipped) form a plausible payment card number:
 * 13-19 digits, a major industry identifier of 2-6 (Mastercard 2-series, Amex/Diners/JCB 3,
 * Visa 4, Mastercard 5, Discover/UnionPay/Maestro 6; this keeps epoch-millisecond timestamps,
 * which start with 1, out) and a valid Luhn check digit.
 */
export function isPlausibleCard(u8: Uint8Array, from: number, to: number): boolean {
  let sum = 0;
  let count = 0;
  let first = 0;
  for (let i = to - 1; i >= from; i--) {
    const c = u8[i];
    if (!isDigit(c)) continue;
    let d = c - 48;
    if ((count & 1) === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    count++;
    first = c - 48;
  }
  return count >= 13 && count <= 19 && first >= 2 && first <= 6 && sum % 10 === 0;
}
