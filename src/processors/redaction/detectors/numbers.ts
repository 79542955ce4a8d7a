import { codeAt, isAlnum, isDigit, isUpper, isWordChar } from './chars.ts';
import { ibanEnd } from './iban.ts';
import { isPlausibleCard } from './luhn.ts';
import type { MatchBuffer } from './match-buffer.ts';

// Payment cards, US SSNs, phone numbers and IPv4 addresses share one walk: the value is cut once into "digit
// groups" (digit chunks joined by single separators), and each group is classified by its shape.
// A group must stand alone: no letter, digit, `_` or `.` right before it (nor a `-` glued to a
// word, as in ORD-2024-000123), and no word character right after it (so 10.0.0.1-beta,
// 2024-01-02T03:04:05Z and 1500ms are not candidates). IBANs ride along: their check digits
// are a digit group right after two capitals that start a word.

export interface NumberDetectorIds {
  /** -1 when the detector is off. */
  iban: number;
  ipv4: number;
  card: number;
  ssn: number;
  phone: number;
}

const SEP_SPACE = 1;
const SEP_DASH = 2;
const SEP_DOT = 3;
/** `)` or `) ` after an area code, `(` or ` (` before one. */
const SEP_PAREN = 4;

const LEAD_NONE = 0;
const LEAD_PLUS = 1;
const LEAD_PAREN = 2;

// Chunk offsets, lengths and the separator after each, reused across values.
let chunkStart = new Int32Array(64);
let chunkLength = new Int32Array(64);
let separator = new Int8Array(64);

function ensureCapacity(chunks: number): void {
  if (chunks < chunkStart.length) return;
  const size = chunkStart.length * 2;
  const starts = new Int32Array(size);
  const lengths = new Int32Array(size);
  const seps = new Int8Array(size);
  starts.set(chunkStart);
  lengths.set(chunkLength);
  seps.set(separator);
  chunkStart = starts;
  chunkLength = lengths;
  separator = seps;
}

/** Length of the separator at `j` (0 when none), its kind left in `separatorKind`. */
let separatorKind = 0;
function separatorAt(s: string, j: number): number {
  const a = codeAt(s, j);
  const b = codeAt(s, j + 1);
  if (isDigit(b)) {
    if (a === 32) return (separatorKind = SEP_SPACE), 1;
    if (a === 45) return (separatorKind = SEP_DASH), 1;
    if (a === 46) return (separatorKind = SEP_DOT), 1;
    if (a === 41 || a === 40) return (separatorKind = SEP_PAREN), 1;
    return 0;
  }
  if (((a === 41 && b === 32) || (a === 32 && b === 40)) && isDigit(codeAt(s, j + 2))) {
    separatorKind = SEP_PAREN;
    return 2;
  }
  return 0;
}

export function scanNumbers(s: string, out: MatchBuffer, ids: NumberDetectorIds): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) {
      i++;
      continue;
    }
    if (ids.iban >= 0 && isUpper(codeAt(s, i - 1)) && isUpper(codeAt(s, i - 2)) && !isAlnum(codeAt(s, i - 3))) {
      const end = ibanEnd(s, i - 2);
      if (end > 0) {
        out.push(i - 2, end, ids.iban);
        i = end;
        continue;
      }
    }
    let j = i + 1;
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    if (isWordChar(codeAt(s, j)) || isWordChar(codeAt(s, i - 1))) {
      // Glued to a word (1500ms, 8f3c…, Win64): never a candidate. A group continuing after a
      // separator is judged from its next chunk on.
      i = j;
      continue;
    }
    j = i;
    let chunks = 0;
    let digits = 0;
    // One kind of separator per group (a parenthesised area code may precede another), so that
    // `10.1.2.3 4111111111111111` is an address and a card, not one odd group. E.164 numbers
    // (after `+`) mix freely.
    const mixes = codeAt(s, i - 1) === 43;
    let groupKind = 0;
    for (;;) {
      const start = j;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      ensureCapacity(chunks);
      chunkStart[chunks] = start;
      chunkLength[chunks] = j - start;
      digits += j - start;
      let sepLength = separatorAt(s, j);
      if (sepLength !== 0 && !mixes) {
        if (groupKind === 0 || groupKind === SEP_PAREN) groupKind = separatorKind;
        else if (separatorKind !== groupKind) sepLength = 0;
      }
      separator[chunks] = sepLength === 0 ? 0 : separatorKind;
      chunks++;
      if (sepLength === 0) break;
      j += sepLength;
    }
    if (digits >= 4) classify(s, out, ids, i, j, chunks, digits);
    i = j;
  }
}

function classify(
  s: string,
  out: MatchBuffer,
  ids: NumberDetectorIds,
  first: number,
  end: number,
  chunks: number,
  digits: number,
): void {
  const after = codeAt(s, end);
  if (isWordChar(after)) return;
  if ((after === 46 || after === 45) && isAlnum(codeAt(s, end + 1))) return;

  let lead = LEAD_NONE;
  const leadChar = codeAt(s, first - 1);
  if (leadChar === 43) lead = LEAD_PLUS;
  else if (leadChar === 40 && chunks > 1 && separator[0] === SEP_PAREN) lead = LEAD_PAREN;
  const start = lead === LEAD_NONE ? first : first - 1;
  const before = codeAt(s, start - 1);
  if (isWordChar(before) || before === 46) return;
  if (before === 45 && isAlnum(codeAt(s, start - 2))) return;

  if (lead === LEAD_PLUS) {
    // E.164: + then 8-15 digits, however grouped.
    if (ids.phone >= 0 && digits >= 8 && digits <= 15) out.push(start, end, ids.phone);
    return;
  }
  if (ids.phone >= 0 && isNationalPhone(s, lead, chunks)) {
    out.push(start, end, ids.phone);
    return;
  }
  if (lead !== LEAD_NONE) return;
  // A version after a product name (Chrome/120.0.0.0) is not an address.
  const productVersion = before === 47 && isAlnum(codeAt(s, start - 2));
  if (ids.ipv4 >= 0 && chunks === 4 && !productVersion && isDottedQuad(s)) {
    out.push(start, end, ids.ipv4);
    return;
  }
  if (ids.ssn >= 0 && chunks === 3 && isSsn(s)) {
    out.push(start, end, ids.ssn);
    return;
  }
  if (ids.card >= 0 && digits >= 13 && cardSeparators(chunks)) {
    if (digits <= 19) {
      if (isPlausibleCard(s, start, end)) out.push(start, end, ids.card);
    } else {
      findCardsInLongGroup(s, out, ids.card, chunks);
    }
  }
}

/** NANP shapes only: 555-123-4567, 555.123.4567, 555 123 4567, (555) 123-4567, 1-555-123-4567. */
function isNationalPhone(s: string, lead: number, chunks: number): boolean {
  let c = 0;
  if (chunks === 4) {
    if (lead !== LEAD_NONE || chunkLength[0] !== 1 || codeAt(s, chunkStart[0]) !== 49) return false;
    c = 1;
  } else if (chunks !== 3) {
    return false;
  }
  if (chunkLength[c] !== 3 || chunkLength[c + 1] !== 3 || chunkLength[c + 2] !== 4) return false;
  const area = separator[c];
  const line = separator[c + 1];
  if (line === SEP_PAREN) return false;
  if (lead === LEAD_PAREN) return area === SEP_PAREN;
  if (c === 1 && separator[0] !== area) return false;
  return area === line;
}

/** ddd-dd-dddd (or spaces), without the never-issued area 000/666/9xx, group 00 or serial 0000. */
function isSsn(s: string): boolean {
  if (chunkLength[0] !== 3 || chunkLength[1] !== 2 || chunkLength[2] !== 4) return false;
  const sep = separator[0];
  if (sep !== separator[1] || (sep !== SEP_DASH && sep !== SEP_SPACE)) return false;
  const a = chunkStart[0];
  const area = (codeAt(s, a) - 48) * 100 + (codeAt(s, a + 1) - 48) * 10 + (codeAt(s, a + 2) - 48);
  if (area === 0 || area === 666 || area >= 900) return false;
  const g = chunkStart[1];
  if (codeAt(s, g) === 48 && codeAt(s, g + 1) === 48) return false;
  const serial = chunkStart[2];
  return !(
    codeAt(s, serial) === 48 &&
    codeAt(s, serial + 1) === 48 &&
    codeAt(s, serial + 2) === 48 &&
    codeAt(s, serial + 3) === 48
  );
}

/** a.b.c.d, each part 0-255 (10.0.0.1-beta and 1.2.3.4.5 never get here as four chunks). */
function isDottedQuad(s: string): boolean {
  for (let c = 0; c < 4; c++) {
    if (c < 3 && separator[c] !== SEP_DOT) return false;
    const length = chunkLength[c];
    if (length > 3) return false;
    let value = 0;
    for (let k = chunkStart[c]; k < chunkStart[c] + length; k++) value = value * 10 + (s.charCodeAt(k) - 48);
    if (value > 255) return false;
  }
  return true;
}

/** Cards are written ungrouped, or grouped by one kind of separator: spaces or dashes. */
function cardSeparators(chunks: number): boolean {
  if (chunks === 1) return true;
  const kind = separator[0];
  if (kind !== SEP_SPACE && kind !== SEP_DASH) return false;
  for (let c = 1; c < chunks - 1; c++) if (separator[c] !== kind) return false;
  return true;
}

/**
 * Several grouped cards in a row (`4111 1111 1111 1111 5500 0000 0000 0004`) form one group of
 * more than 19 digits. Only groups of chunks of 3+ digits are split, at chunk boundaries: at most
 * a few windows of 13-19 digits start at each chunk, so the work stays linear.
 */
function findCardsInLongGroup(s: string, out: MatchBuffer, id: number, chunks: number): void {
  for (let c = 0; c < chunks; c++) if (chunkLength[c] < 3) return;
  let a = 0;
  while (a < chunks) {
    let total = 0;
    let best = -1;
    for (let b = a; b < chunks && total + chunkLength[b] <= 19; b++) {
      total += chunkLength[b];
      if (total >= 13 && isPlausibleCard(s, chunkStart[a], chunkStart[b] + chunkLength[b])) best = b;
    }
    if (best >= 0) {
      out.push(chunkStart[a], chunkStart[best] + chunkLength[best], id);
      a = best + 1;
    } else {
      a++;
    }
  }
}
