import { byteAt, isAlnum, isDigit, isUpper, isWordChar, viewOf } from './chars.ts';
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
function separatorAt(u8: Uint8Array, start: number, end: number, j: number): number {
  const a = byteAt(u8, start, end, j);
  const b = byteAt(u8, start, end, j + 1);
  if (isDigit(b)) {
    if (a === 32) return (separatorKind = SEP_SPACE), 1;
    if (a === 45) return (separatorKind = SEP_DASH), 1;
    if (a === 46) return (separatorKind = SEP_DOT), 1;
    if (a === 41 || a === 40) return (separatorKind = SEP_PAREN), 1;
    return 0;
  }
  if (((a === 41 && b === 32) || (a === 32 && b === 40)) && isDigit(byteAt(u8, start, end, j + 2))) {
    separatorKind = SEP_PAREN;
    return 2;
  }
  return 0;
}

/**
 * The first digit in u8[from, end), or end. Four bytes at a time: for a word x whose bytes are
 * below 0x80, (0xB9.. - (x & 0x7F..)) & ~x & ((x & 0x7F..) + 0x50..) & 0x80.. has a byte's top
 * bit set where that byte is between 0x2F and 0x3A, exclusive (a digit); bytes above 0x7F never
 * are. A word that may hold one is then read byte by byte.
 */
function nextDigit(u8: Uint8Array, from: number, end: number): number {
  let i = from;
  if (end - from >= 8) {
    const v = viewOf(u8);
    for (; i + 4 <= end; i += 4) {
      const x = v.getInt32(i, true);
      const low = x & 0x7f7f7f7f;
      if (((0xb9b9b9b9 - low) & ~x & (low + 0x50505050) & 0x80808080) !== 0) break;
    }
  }
  for (; i < end; i++) if (((u8[i] - 48) >>> 0) < 10) return i;
  return end;
}

export function scanNumbers(u8: Uint8Array, start: number, end: number, out: MatchBuffer, ids: NumberDetectorIds): void {
  let i = start;
  for (;;) {
    i = nextDigit(u8, i, end);
    if (i >= end) return;
    if (ids.iban >= 0 && isUpper(byteAt(u8, start, end, i - 1)) && isUpper(byteAt(u8, start, end, i - 2)) && !isAlnum(byteAt(u8, start, end, i - 3))) {
      const ibanTo = ibanEnd(u8, start, end, i - 2);
      if (ibanTo > 0) {
        out.push(i - 2, ibanTo, ids.iban);
        i = ibanTo;
        continue;
      }
    }
    let j = i + 1;
    while (j < end && isDigit(u8[j])) j++;
    if (isWordChar(byteAt(u8, start, end, j)) || isWordChar(byteAt(u8, start, end, i - 1))) {
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
    const mixes = byteAt(u8, start, end, i - 1) === 43;
    let groupKind = 0;
    for (;;) {
      const chunk = j;
      while (j < end && isDigit(u8[j])) j++;
      ensureCapacity(chunks);
      chunkStart[chunks] = chunk;
      chunkLength[chunks] = j - chunk;
      digits += j - chunk;
      let sepLength = separatorAt(u8, start, end, j);
      if (sepLength !== 0 && !mixes) {
        if (groupKind === 0 || groupKind === SEP_PAREN) groupKind = separatorKind;
        else if (separatorKind !== groupKind) sepLength = 0;
      }
      separator[chunks] = sepLength === 0 ? 0 : separatorKind;
      chunks++;
      if (sepLength === 0) break;
      j += sepLength;
    }
    if (digits >= 4) classify(u8, start, end, out, ids, i, j, chunks, digits);
    i = j;
  }
}

function classify(
  u8: Uint8Array,
  start: number,
  end: number,
  out: MatchBuffer,
  ids: NumberDetectorIds,
  first: number,
  to: number,
  chunks: number,
  digits: number,
): void {
  const after = byteAt(u8, start, end, to);
  if (isWordChar(after)) return;
  if ((after === 46 || after === 45) && isAlnum(byteAt(u8, start, end, to + 1))) return;

  let lead = LEAD_NONE;
  const leadChar = byteAt(u8, start, end, first - 1);
  if (leadChar === 43) lead = LEAD_PLUS;
  else if (leadChar === 40 && chunks > 1 && separator[0] === SEP_PAREN) lead = LEAD_PAREN;
  const from = lead === LEAD_NONE ? first : first - 1;
  const before = byteAt(u8, start, end, from - 1);
  if (isWordChar(before) || before === 46) return;
  if (before === 45 && isAlnum(byteAt(u8, start, end, from - 2))) return;

  if (lead === LEAD_PLUS) {
    // E.164: + then 8-15 digits, however grouped.
    if (ids.phone >= 0 && digits >= 8 && digits <= 15) out.push(from, to, ids.phone);
    return;
  }
  if (ids.phone >= 0 && isNationalPhone(u8, lead, chunks)) {
    out.push(from, to, ids.phone);
    return;
  }
  if (lead !== LEAD_NONE) return;
  // A version after a product name (Chrome/120.0.0.0) is not an address.
  const productVersion = before === 47 && isAlnum(byteAt(u8, start, end, from - 2));
  if (ids.ipv4 >= 0 && chunks === 4 && !productVersion && isDottedQuad(u8)) {
    out.push(from, to, ids.ipv4);
    return;
  }
  if (ids.ssn >= 0 && chunks === 3 && isSsn(u8)) {
    out.push(from, to, ids.ssn);
    return;
  }
  if (ids.card >= 0 && digits >= 13 && cardSeparators(chunks)) {
    if (digits <= 19) {
      if (isPlausibleCard(u8, from, to)) out.push(from, to, ids.card);
    } else {
      findCardsInLongGroup(u8, out, ids.card, chunks);
    }
  }
}

/** NANP shapes only: 555-123-4567, 555.123.4567, 555 123 4567, (555) 123-4567, 1-555-123-4567. */
function isNationalPhone(u8: Uint8Array, lead: number, chunks: number): boolean {
  let c = 0;
  if (chunks === 4) {
    if (lead !== LEAD_NONE || chunkLength[0] !== 1 || u8[chunkStart[0]] !== 49) return false;
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
function isSsn(u8: Uint8Array): boolean {
  if (chunkLength[0] !== 3 || chunkLength[1] !== 2 || chunkLength[2] !== 4) return false;
  const sep = separator[0];
  if (sep !== separator[1] || (sep !== SEP_DASH && sep !== SEP_SPACE)) return false;
  const a = chunkStart[0];
  const area = (u8[a] - 48) * 100 + (u8[a + 1] - 48) * 10 + (u8[a + 2] - 48);
  if (area === 0 || area === 666 || area >= 900) return false;
  const g = chunkStart[1];
  if (u8[g] === 48 && u8[g + 1] === 48) return false;
  const serial = chunkStart[2];
  return !(u8[serial] === 48 && u8[serial + 1] === 48 && u8[serial + 2] === 48 && u8[serial + 3] === 48);
}

/** a.b.c.d, each part 0-255 (10.0.0.1-beta and 1.2.3.4.5 never get here as four chunks). */
function isDottedQuad(u8: Uint8Array): boolean {
  for (let c = 0; c < 4; c++) {
    if (c < 3 && separator[c] !== SEP_DOT) return false;
    const length = chunkLength[c];
    if (length > 3) return false;
    let value = 0;
    for (let k = chunkStart[c]; k < chunkStart[c] + length; k++) value = value * 10 + (u8[k] - 48);
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
function findCardsInLongGroup(u8: Uint8Array, out: MatchBuffer, id: number, chunks: number): void {
  for (let c = 0; c < chunks; c++) if (chunkLength[c] < 3) return;
  let a = 0;
  while (a < chunks) {
    let total = 0;
    let best = -1;
    for (let b = a; b < chunks && total + chunkLength[b] <= 19; b++) {
      total += chunkLength[b];
      if (total >= 13 && isPlausibleCard(u8, chunkStart[a], chunkStart[b] + chunkLength[b])) best = b;
    }
    if (best >= 0) {
      out.push(chunkStart[a], chunkStart[best] + chunkLength[best], id);
      a = best + 1;
    } else {
      a++;
    }
  }
}
