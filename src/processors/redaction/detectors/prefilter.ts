// One pass over a value that says which detectors could possibly match, so a clean value costs a
// few table lookups per character and nothing else. Each character's entry in a 64K-entry table
// (no branch for non-ASCII) carries:
// - bits 0-3: its class for the automaton below, which follows digit groups (the number
//   detectors' trigger) and the length of base64 runs (the AWS secret key trigger);
// - character-class bits (C_*), OR-ed into the result;
// - pair bits: whether it can be the first or the second character of a pair that each known
//   prefix contains (`yJ` of `eyJ`, `IA` of `AKIA`, `gh` of `ghp_`, `-B` of `-----BEGIN`…).
//   A pair that occurs sets its trigger bit (T_*), and its scanner, which finds the prefix with
//   indexOf, runs. Most pairs are rare in ordinary text; `be` and `ba` are not, so Bearer and
//   Basic get an exact check after the loop.
// The loop has no branch and no call (a call inside it costs more than all the rest, as V8 then
// keeps the loop's variables on the stack): its cost per character does not depend on the text.

import { startsWithIgnoreCase } from './chars.ts';

export const C_DIGIT = 1 << 4;
export const C_UPPER = 1 << 5;
export const C_LOWER = 1 << 6;
export const C_AT = 1 << 7;
export const C_COLON = 1 << 8;
export const C_EQ = 1 << 9;
export const C_DOT = 1 << 10;
export const C_SLASH = 1 << 11;
const C_BITS = (1 << 12) - (1 << 4);

// Pair kinds: the first character of kind k has bit PAIRS + 2k + 1, the second bit PAIRS + 2k, so
// `(previous >>> 1) & current` has bit PAIRS + 2k exactly where a pair of kind k occurs. That bit
// is the kind's trigger.
const PAIRS = 12;
const pairTrigger = (kind: number) => 1 << (PAIRS + 2 * kind);
export const T_AUTH = pairTrigger(0);
export const T_EYJ = pairTrigger(1);
export const T_AKIA = pairTrigger(2);
export const T_STRIPE = pairTrigger(3);
export const T_GITHUB = pairTrigger(4);
export const T_PEM = pairTrigger(5);
export const T_GITLAB = pairTrigger(6);
export const T_SLACK = pairTrigger(7);
const PAIR_KINDS: ReadonlyArray<[first: string, second: string]> = [
  ['bB', 'eEaA'], // Bearer, Basic (any case)
  ['y', 'J'], // eyJ
  ['I', 'A'], // AKIA, ASIA
  ['k', '_'], // sk_live_, rk_test_ …
  ['gb', 'h_'], // ghp_, gho_ … and the b_ of github_pat_
  ['-', 'B'], // -----BEGIN
  ['t', '-'], // glpat-
  ['x', 'o'], // xoxb- …
];
let pairTriggers = 0;
for (let kind = 0; kind < PAIR_KINDS.length; kind++) pairTriggers |= pairTrigger(kind);
/** Every pair kind's trigger: the detectors that look for a fixed prefix. */
export const PAIR_TRIGGERS = pairTriggers;
/** Some run of base64 characters is 32 or longer (an AWS secret key is a run of exactly 40). */
export const T_BASE64_RUN = 1 << 28;
/** The number automaton reached HIT: a payment card, SSN, phone, IBAN or IPv4 address may be here. */
export const T_NUMBER = 1 << 29;

// ---- The number automaton ----
//
// scanNumbers (numbers.ts) only reports a digit group that stands alone, and every detector it
// serves needs a group of some size: a card 13+ digits, an SSN 9, a phone number 8+ (E.164) or
// 10 (NANP), an IPv4 address 4 digits and 3 dots, an IBAN two capitals then digits after a
// non-alphanumeric. This automaton over-approximates that cheaply, one table step per character:
// it counts, since the last character that cannot be inside a group, the digits (1 each) and
// dots (2 each, so an address weighs at least 4 + 6 = 10), and reports HIT once that reaches 8 and
// the run ends where a group may end, or at two capitals then a digit (an IBAN's start). It leaves
// out only what scanNumbers is sure to reject:
// - digits glued to a word before them (Win64, 4bf92f…), also through a `-` after an
//   alphanumeric (the last part of a UUID, ORD-2024): such a group is rejected by its first chunk;
// - dots of a version after a product name (Chrome/120.0.0.0), which is never an address;
// - a run of 8+ that ends glued to a word (2024-01-02T03…, 1500ms).
// test/redaction/prefilter.test.ts checks that HIT is never missing where scanNumbers finds
// something.

// Character classes (bits 0-3 of the table entry).
const N_OTHER = 0;
const N_DIGIT = 1;
const N_DOT = 2;
const N_DASH = 3;
/** Space and parentheses: separators inside a phone number. */
const N_SEPARATOR = 4;
const N_UPPER = 5;
const N_LOWER = 6;
const N_UNDERSCORE = 7;
const N_SLASH = 8;
/** `+`: base64, and for the number walk like any other character. */
const N_PLUS = 9;
const N_CLASSES = 16;

// States. R0-R7: counting, not glued, run weight 0-7. P0-P7: the same after `alnum/` (a
// product version), where dots weigh nothing. R8: weight 8+, inside a group. R8_SEP: 8+, then a
// `.` or `-` (the group ended there only if no alphanumeric follows). G_UNDERSCORE: after
// `_`. G_WORD: after a letter or a glued digit. G_DASH: a `-` after G_WORD. U1, U2: one or two
// capitals after a non-alphanumeric (an IBAN's country code). HIT: absorbing.
const R0 = 0;
const P0 = 8;
const R8 = 16;
const R8_SEP = 17;
const G_UNDERSCORE = 18;
const G_WORD = 19;
const G_DASH = 20;
const U1 = 21;
const U2 = 22;
const HIT = 23;
const NUMBER_STATES = 24;

/** The state after `state` reads a character of class `cls`. */
function numberStep(state: number, cls: number): number {
  if (state === HIT) return HIT;
  const counting = state < R8;
  const product = state >= P0 && state < R8;
  const weight = state & 7;
  const long = state === R8 || state === R8_SEP;
  /** The previous character is a letter or a glued digit. */
  const afterAlnum = state === G_WORD || state === U1 || state === U2;
  const add = (to: number) => (to >= 8 ? R8 : (product ? P0 : R0) + to);
  switch (cls) {
    case N_DIGIT:
      if (counting) return add(weight + 1);
      if (long) return R8;
      return state === U2 ? HIT : G_WORD;
    case N_DOT:
      if (counting) return product ? state : add(weight + 2);
      if (long) return state === R8 ? R8_SEP : HIT;
      return R0 + 2;
    case N_DASH:
      // Leaves a product version: a later group is judged from R.
      if (counting) return R0 + weight;
      if (long) return state === R8 ? R8_SEP : HIT;
      return afterAlnum ? G_DASH : R0;
    case N_SEPARATOR:
      if (counting) return R0 + weight;
      return long ? HIT : R0;
    case N_UPPER:
      // Glued to the last digit (R8), or a `.x` that did not end the group (R8_SEP; but a
      // capital there may start an IBAN, as after any non-alphanumeric).
      if (state === R8) return G_WORD;
      if (state === U1) return U2;
      return afterAlnum ? G_WORD : U1;
    case N_LOWER:
      return G_WORD;
    case N_UNDERSCORE:
      // `_` is a word character (glues to the digits before it) but not alphanumeric.
      return state === R8_SEP ? HIT : G_UNDERSCORE;
    case N_SLASH:
      if (long) return HIT;
      return afterAlnum ? P0 : R0;
    default:
      return long ? HIT : R0;
  }
}

// ---- The automaton the loop steps: a number state and a base64 run length ----
//
// The base64 run length (0-31, then 32 for "a run of 32 or more was seen", absorbing) rides in
// the same state as the number automaton, so that one table load per character steps both.
const RUN_SEEN = 32;

function isBase64Class(cls: number): boolean {
  return cls === N_DIGIT || cls === N_UPPER || cls === N_LOWER || cls === N_SLASH || cls === N_PLUS;
}

/** NEXT[state * 16 + class] = next state * 16 (N_CLASSES), with state = run * NUMBER_STATES + number state. */
const NEXT = new Uint16Array((RUN_SEEN + 1) * NUMBER_STATES * N_CLASSES);
for (let run = 0; run <= RUN_SEEN; run++) {
  for (let number = 0; number < NUMBER_STATES; number++) {
    for (let cls = 0; cls < N_CLASSES; cls++) {
      const nextRun = run === RUN_SEEN ? RUN_SEEN : isBase64Class(cls) ? run + 1 : 0;
      const next = nextRun * NUMBER_STATES + numberStep(number, cls);
      NEXT[(run * NUMBER_STATES + number) * N_CLASSES + cls] = next * N_CLASSES;
    }
  }
}

// ---- The character table ----

const CLASS = new Int32Array(65536);
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) CLASS[chars.charCodeAt(i)] |= bits;
}
mark('0123456789', N_DIGIT | C_DIGIT);
mark('ABCDEFGHIJKLMNOPQRSTUVWXYZ', N_UPPER | C_UPPER);
mark('abcdefghijklmnopqrstuvwxyz', N_LOWER | C_LOWER);
mark('.', N_DOT | C_DOT);
mark('-', N_DASH);
mark(' ()', N_SEPARATOR);
mark('_', N_UNDERSCORE);
mark('/', N_SLASH | C_SLASH);
mark('+', N_PLUS);
mark('@', C_AT);
mark(':', C_COLON);
mark('=', C_EQ);
for (let kind = 0; kind < PAIR_KINDS.length; kind++) {
  mark(PAIR_KINDS[kind][0], pairTrigger(kind) << 1);
  mark(PAIR_KINDS[kind][1], pairTrigger(kind));
}

/** The trigger bits a value ending in each state sets (the end of a value ends a digit group too). */
const FINAL_TRIGGERS = new Int32Array((RUN_SEEN + 1) * NUMBER_STATES);
for (let run = 0; run <= RUN_SEEN; run++) {
  for (const number of [HIT, R8, R8_SEP]) FINAL_TRIGGERS[run * NUMBER_STATES + number] |= T_NUMBER;
  if (run === RUN_SEEN) for (let number = 0; number < NUMBER_STATES; number++) FINAL_TRIGGERS[run * NUMBER_STATES + number] |= T_BASE64_RUN;
}

// The scan result lives in module state so that a scan allocates nothing; read it right after.
export let scannedMask = 0;

export function prefilter(s: string): void {
  let mask = 0;
  let pairs = 0;
  let state = 0;
  let previous = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const k = CLASS[s.charCodeAt(i)];
    mask |= k;
    state = NEXT[state | (k & 15)];
    pairs |= (previous >>> 1) & k;
    previous = k;
  }
  let triggers = pairs & PAIR_TRIGGERS;
  // `be` and `ba` are common and the auth scanner walks every character: look for the words first.
  if ((triggers & T_AUTH) !== 0 && !hasAuthScheme(s)) triggers ^= T_AUTH;
  scannedMask = (mask & C_BITS) | triggers | FINAL_TRIGGERS[state >> 4];
}

/**
 * prefilter() on the UTF-8 bytes of a value, for the byte path: the same mask for ASCII text
 * (one byte is one character there), except that a Bearer/Basic pair stays set without the exact
 * check (the string scan makes it). False, with no mask, when a byte is not ASCII.
 */
export function prefilterAscii(u8: Uint8Array, start: number, end: number): boolean {
  let mask = 0;
  let pairs = 0;
  let state = 0;
  let previous = 0;
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = u8[i];
    high |= c;
    const k = CLASS[c];
    mask |= k;
    state = NEXT[state | (k & 15)];
    pairs |= (previous >>> 1) & k;
    previous = k;
  }
  if (high >= 0x80) return false;
  scannedMask = (mask & C_BITS) | (pairs & PAIR_TRIGGERS) | FINAL_TRIGGERS[state >> 4];
  return true;
}

/** Whether `Bearer ` or `Basic ` (any case) is in `s`. */
function hasAuthScheme(s: string): boolean {
  for (let i = s.indexOf('b'); i !== -1; i = s.indexOf('b', i + 1)) if (isAuthScheme(s, i)) return true;
  for (let i = s.indexOf('B'); i !== -1; i = s.indexOf('B', i + 1)) if (isAuthScheme(s, i)) return true;
  return false;
}

/** Whether `Bearer ` or `Basic ` (any case) starts at `i`. */
function isAuthScheme(s: string, i: number): boolean {
  return startsWithIgnoreCase(s, i, 'bearer ') || startsWithIgnoreCase(s, i, 'basic ');
}
