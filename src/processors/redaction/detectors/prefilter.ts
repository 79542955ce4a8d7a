// One scan of a value's bytes (detectors/chars.ts: request bytes of an ASCII value, or a JS
// string's code units as toScanBytes writes them) that says which detectors could possibly match,
// so a clean value costs a few table lookups per byte and nothing else. It also says whether a
// byte is not ASCII, which sends a request value to the string path.
//
// The main loop reads each byte's entry in a 256-entry table (no branch for non-ASCII):
// - character-class bits (C_*), OR-ed into the result;
// - pair bits: whether it can be the first or the second character of a pair that each known
//   prefix contains (`yJ` of `eyJ`, `IA` of `AKIA`, `gh` of `ghp_`, `-B` of `-----BEGIN`…), or
//   that a match needs (`d=`, `e=`… where a secret parameter name ends; `1:` or `::` in an IPv6
//   address). A pair that occurs sets its trigger bit (T_*), and its scanner runs. Most pairs
//   are rare in ordinary text; Bearer and Basic need two common ones (`be`/`ba`, then
//   `ea`/`as`), then an exact search;
// - C_HIGH for a byte above 0x7f.
// That loop has no branch and no call, and few enough variables that V8 keeps them all in
// registers (a call inside it, or more accumulators, and they go to the stack at twice the cost
// per byte). The two triggers that need a state carried from byte to byte, the number automaton
// and the length of base64 runs, share a second loop that runs only for a value with a digit
// (neither can fire without one).

import { hasAuthScheme } from './auth-header.ts';
import { viewOf } from './chars.ts';
import { SECRET_PARAMETER_NAMES } from './url-secrets.ts';

export const C_DIGIT = 1 << 0;
export const C_UPPER = 1 << 1;
export const C_LOWER = 1 << 2;
export const C_AT = 1 << 3;
export const C_COLON = 1 << 4;
export const C_DOT = 1 << 5;
export const C_SLASH = 1 << 6;
const C_BITS = (1 << 7) - 1;
/** A byte above 0x7f: in request bytes, a value that is not ASCII (its UTF-8 is not its characters). */
export const C_HIGH = 1 << 31;

// Pair kinds: the first character of kind k has bit PAIRS + 2k + 1, the second bit PAIRS + 2k, so
// `(previous >>> 1) & current` has bit PAIRS + 2k exactly where a pair of kind k occurs. That bit
// is the kind's trigger.
const PAIRS = 7;
const pairTrigger = (kind: number) => 1 << (PAIRS + 2 * kind);
/** `be` or `ba` (any case)… */
const T_AUTH_FIRST = pairTrigger(0);
/** …and `ea`, `es`, `aa` or `as`: then the exact search for `Bearer ` or `Basic ` decides T_AUTH. */
const T_AUTH_SECOND = pairTrigger(1);
export const T_AUTH = T_AUTH_FIRST;
export const T_EYJ = pairTrigger(2);
export const T_AKIA = pairTrigger(3);
export const T_STRIPE = pairTrigger(4);
export const T_GITHUB = pairTrigger(5);
export const T_PEM = pairTrigger(6);
export const T_GITLAB = pairTrigger(7);
export const T_SLACK = pairTrigger(8);
/** A secret parameter name's last character (any case) then `=`. */
export const T_SECRET_EQ = pairTrigger(9);
/** A hex digit or `:`, then `:`: every IPv6 address has one. */
export const T_IPV6 = pairTrigger(10);
/** The last characters of the secret parameter names, both cases. */
const SECRET_NAME_ENDS = [...new Set(SECRET_PARAMETER_NAMES.map((name) => name[name.length - 1]))].map((c) => c + c.toUpperCase()).join('');
const PAIR_KINDS: ReadonlyArray<[first: string, second: string]> = [
  ['bB', 'eEaA'], // Bearer, Basic (any case)
  ['eEaA', 'aAsS'], // bEArer, bASic
  ['y', 'J'], // eyJ
  ['I', 'A'], // AKIA, ASIA
  ['k', '_'], // sk_live_, rk_test_ …
  ['gb', 'h_'], // ghp_, gho_ … and the b_ of github_pat_
  ['-', 'B'], // -----BEGIN
  ['l', 'p'], // glpat-
  ['x', 'o'], // xoxb- …
  [SECRET_NAME_ENDS, '='], // password=, api_key= …
  ['0123456789abcdefABCDEF:', ':'], // 2001:db8::1
];
if (PAIRS + 2 * PAIR_KINDS.length > 31) throw new Error('prefilter: too many pair kinds for the table entry');
let pairTriggers = 0;
for (let kind = 0; kind < PAIR_KINDS.length; kind++) pairTriggers |= pairTrigger(kind);
/** Every pair kind's trigger: the detectors that look for a fixed prefix or pair. */
export const PAIR_TRIGGERS = pairTriggers & ~T_AUTH_SECOND;
// The two triggers that do not come from pairs take bits that a pair never sets in the result
// (a first character's bit).
/** The number automaton reached HIT: a payment card, SSN, phone, IBAN or IPv4 address may be here. */
export const T_NUMBER = pairTrigger(0) << 1;
/**
 * Some run of base64 characters reached 32 (an AWS secret key is a run of exactly 40), in a value
 * of 40 or more characters with upper case, lower case and digits.
 */
export const T_BASE64_RUN = pairTrigger(1) << 1;

// ---- The number automaton ----
//
// scanNumbers (numbers.ts) only reports a digit group that stands alone, and every detector it
// serves needs a group of some size: a card 13+ digits, an SSN 9, a phone number 8+ (E.164) or
// 10 (NANP), an IPv4 address 4 digits and 3 dots, an IBAN two capitals then digits after a
// non-alphanumeric. This automaton over-approximates that cheaply, one table step per two bytes:
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

// Character classes (NUMBER_CLASS).
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

// ---- The tables ----
//
// NUMBER_CLASS[byte] is its class, negative for a base64 character (letters, digits, `+`, `/`);
// NUMBER_NEXT2[state + first class * 16 + second class] is the state after two bytes, states
// kept multiplied by 256 so that the loop's chain of dependent loads is one add and one load per
// two bytes; NUMBER_NEXT the same for one byte (the last of an odd-length value), states times 16.
const NUMBER_CLASS = new Int8Array(256);
function classify(chars: string, cls: number): void {
  for (let i = 0; i < chars.length; i++) NUMBER_CLASS[chars.charCodeAt(i)] = cls;
}
const BASE64 = -128;
classify('0123456789', N_DIGIT | BASE64);
classify('.', N_DOT);
classify('-', N_DASH);
classify(' ()', N_SEPARATOR);
classify('ABCDEFGHIJKLMNOPQRSTUVWXYZ', N_UPPER | BASE64);
classify('abcdefghijklmnopqrstuvwxyz', N_LOWER | BASE64);
classify('_', N_UNDERSCORE);
classify('/', N_SLASH | BASE64);
classify('+', N_OTHER | BASE64);
const NUMBER_NEXT2 = new Uint16Array(NUMBER_STATES * 256);
const NUMBER_NEXT = new Uint16Array(NUMBER_STATES * N_CLASSES);
for (let number = 0; number < NUMBER_STATES; number++) {
  for (let first = 0; first < N_CLASSES; first++) {
    NUMBER_NEXT[number * N_CLASSES + first] = numberStep(number, first) * N_CLASSES;
    for (let second = 0; second < N_CLASSES; second++) {
      NUMBER_NEXT2[number * 256 + first * N_CLASSES + second] = numberStep(numberStep(number, first), second) * 256;
    }
  }
}
/** Whether a value whose walk ends in this state (times 256) may hold a group scanNumbers reports. */
const FINAL_NUMBER = new Uint8Array(NUMBER_STATES * 256);
FINAL_NUMBER[HIT * 256] = FINAL_NUMBER[R8 * 256] = FINAL_NUMBER[R8_SEP * 256] = 1;
/**
 * An AWS secret key is a base64 run of 40; a run that reaches 32 passes through 32, so bit 5 of
 * the OR of the run lengths says one did (the trigger need only be necessary).
 */
const RUN_SEEN = 32;
const AWS_SECRET_LENGTH = 40;

const CLASS = new Int32Array(256);
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) CLASS[chars.charCodeAt(i)] |= bits;
}
mark('0123456789', C_DIGIT);
mark('ABCDEFGHIJKLMNOPQRSTUVWXYZ', C_UPPER);
mark('abcdefghijklmnopqrstuvwxyz', C_LOWER);
mark('.', C_DOT);
mark('/', C_SLASH);
mark('@', C_AT);
mark(':', C_COLON);
for (let kind = 0; kind < PAIR_KINDS.length; kind++) {
  mark(PAIR_KINDS[kind][0], pairTrigger(kind) << 1);
  mark(PAIR_KINDS[kind][1], pairTrigger(kind));
}
for (let c = 0x80; c < 0x100; c++) CLASS[c] = C_HIGH;

// The scan result lives in module state so that a scan allocates nothing; read it right after.
export let scannedMask = 0;

/**
 * Sets scannedMask for the value u8[start, end): character-class bits, trigger bits, and C_HIGH
 * when a byte is above 0x7f.
 */
export function prefilterBytes(u8: Uint8Array, start: number, end: number): void {
  let mask = 0;
  let pairs = 0;
  let previous = 0;
  let i = start;
  if (end - start >= 8) {
    // Four bytes a load: one read of the word and four independent table lookups per step ran
    // 1.8× the speed of a byte at a time (benchmarks/RESULTS.md).
    const view = viewOf(u8);
    for (; i + 4 <= end; i += 4) {
      const word = view.getInt32(i, true);
      const k0 = CLASS[word & 0xff];
      const k1 = CLASS[(word >>> 8) & 0xff];
      const k2 = CLASS[(word >>> 16) & 0xff];
      const k3 = CLASS[word >>> 24];
      mask |= k0 | k1 | k2 | k3;
      pairs |= ((previous >>> 1) & k0) | ((k0 >>> 1) & k1) | ((k1 >>> 1) & k2) | ((k2 >>> 1) & k3);
      previous = k3;
    }
  }
  for (; i < end; i++) {
    const k = CLASS[u8[i]];
    mask |= k;
    pairs |= (previous >>> 1) & k;
    previous = k;
  }
  let result = (mask & (C_BITS | C_HIGH)) | (pairs & PAIR_TRIGGERS);
  if ((result & T_AUTH) !== 0 && ((pairs & T_AUTH_SECOND) === 0 || !hasAuthScheme(u8, start, end))) result &= ~T_AUTH;
  // Both state-carrying triggers need a digit: scanNumbers reports nothing without one, and an
  // AWS secret key has upper case, lower case and digits.
  if ((mask & C_DIGIT) !== 0) result |= numberAndRunTriggers(u8, start, end, end - start >= AWS_SECRET_LENGTH && (mask & C_UPPER) !== 0 && (mask & C_LOWER) !== 0);
  scannedMask = result;
}

/**
 * The number automaton over u8[start, end), and the longest base64 run: T_NUMBER when the walk
 * ends where scanNumbers may find a group, T_BASE64_RUN (only if `aws`) when a run reached 32.
 */
function numberAndRunTriggers(u8: Uint8Array, start: number, end: number, aws: boolean): number {
  let state = 0;
  let run = 0;
  let runs = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    const c1 = NUMBER_CLASS[u8[i]];
    const c2 = NUMBER_CLASS[u8[i + 1]];
    state = NUMBER_NEXT2[state + ((c1 & 15) << 4) + (c2 & 15)];
    // The run grows by one per base64 byte and drops to 0 at any other (c >> 31 is -1 or 0).
    run = (run + 1) & (c1 >> 31);
    runs |= run;
    run = (run + 1) & (c2 >> 31);
    runs |= run;
  }
  if (i < end) {
    const c = NUMBER_CLASS[u8[i]];
    state = NUMBER_NEXT[(state >> 4) + (c & 15)] << 4;
    runs |= (run + 1) & (c >> 31);
  }
  return (FINAL_NUMBER[state] !== 0 ? T_NUMBER : 0) | (aws && (runs & RUN_SEEN) !== 0 ? T_BASE64_RUN : 0);
}
