// OpenTelemetry consistent probability sampling (tracestate `ot=th:`/`rv:`): a 56-bit rejection
// threshold T = (1 - p) * 2^56, written in hex without trailing zeros, and a 56-bit randomness R
// (the `rv` sub-key, else the trace id's low 56 bits). A trace is kept exactly when R >= T, so
// every consistent sampler at the same rate keeps the same traces. Rates are rounded to the
// threshold's precision *before* deciding, so the decision, the `th` value and
// `sampling.adjusted_count` all describe the same probability.
//
// Shared by adaptive_sampling and probabilistic_sampler, so both read and write the same values.
//
// 56-bit values travel as two exact doubles, the top 24 bits and the low 32 bits: a double
// cannot hold 56 bits, and a BigInt per trace would allocate.

/** The smallest probability a 56-bit threshold can express. */
export const MIN_PROBABILITY = 2 ** -56;

export interface QuantizedProbability {
  /** The probability the threshold actually encodes. */
  probability: number;
  /** The `th` value: hex, trailing zeros removed, "0" for probability 1. */
  th: string;
}

const ONE: QuantizedProbability = { probability: 1, th: '0' };

/**
 * Rounds p to `precision` significant hex digits of the rejection threshold. Like the spec's
 * reference algorithm, precision grows by one digit per leading `f` so small probabilities keep
 * their significant digits.
 */
export function quantizeProbability(p: number, precision: number): QuantizedProbability {
  if (!(p < 1)) return ONE;
  if (p < MIN_PROBABILITY) p = MIN_PROBABILITY;
  const exponent = Math.floor(Math.log2(p)) + 1; // p = m * 2^exponent, m in [0.5, 1)
  const digits = Math.min(14, precision + Math.floor(-exponent / 4));
  const scale = 16 ** digits;
  // Round the kept fraction rather than the threshold: near p = 2^-56 the threshold is not a
  // representable double, the kept fraction always is.
  const kept = Math.max(1, Math.round(p * scale));
  if (kept >= scale) return ONE;
  const t = digits <= 13 ? (scale - kept).toString(16) : (16n ** BigInt(digits) - BigInt(kept)).toString(16);
  const th = t.padStart(digits, '0').replace(/0+$/, '');
  return { probability: kept / scale, th };
}

/** Probability encoded by a `th` value; undefined when it is not 1–14 hex digits. */
export function thresholdToProbability(th: string): number | undefined {
  if (th.length === 0 || th.length > 14 || !/^[0-9a-f]+$/.test(th)) return undefined;
  const scale = 16 ** th.length;
  return (scale - parseInt(th, 16)) / scale;
}

/** The `th` sub-key of the `ot` tracestate member, or undefined. */
export function readThreshold(traceState: string): string | undefined {
  return readOtSubkey(traceState, 'th:');
}

/** The `rv` sub-key of the `ot` tracestate member, or undefined. */
export function readRandomness(traceState: string): string | undefined {
  return readOtSubkey(traceState, 'rv:');
}

function readOtSubkey(traceState: string, prefix: string): string | undefined {
  if (traceState.length === 0) return undefined;
  const ot = otMemberValue(traceState);
  if (ot === undefined) return undefined;
  const subkeys = ot.split(';');
  for (let i = 0; i < subkeys.length; i++) {
    const s = subkeys[i];
    if (s.startsWith(prefix)) return s.slice(3);
  }
  return undefined;
}

const HEX = /^[0-9a-f]+$/;

/** A valid `th` value in canonical form (trailing zeros removed, "0" for T = 0), or ''. */
export function canonicalThreshold(th: string | undefined): string {
  if (th === undefined || th.length === 0 || th.length > 14 || !HEX.test(th)) return '';
  const trimmed = th.replace(/0+$/, '');
  return trimmed.length === 0 ? '0' : trimmed;
}

/** Whether `rv` is a valid randomness value: exactly 14 lowercase hex digits. */
export function isRandomness(rv: string | undefined): rv is string {
  return rv !== undefined && rv.length === 14 && HEX.test(rv);
}

/** Top 24 bits of a 56-bit hex value (a `th` is right-padded with zeros to 14 digits). */
export function hex56Hi(hex: string): number {
  return parseInt(hex.padEnd(14, '0').slice(0, 6), 16);
}

/** Low 32 bits of a 56-bit hex value. */
export function hex56Lo(hex: string): number {
  return parseInt(hex.padEnd(14, '0').slice(6), 16);
}

/** Top 24 bits of the randomness in a trace key (one char per id byte): bytes n-7 .. n-5. */
export function keyRandomnessHi(key: string): number {
  const n = key.length;
  return (byteAt(key, n - 7) << 16) | (byteAt(key, n - 6) << 8) | byteAt(key, n - 5);
}

/** Low 32 bits of the randomness in a trace key: the last four id bytes. */
export function keyRandomnessLo(key: string): number {
  const n = key.length;
  return byteAt(key, n - 4) * 0x1000000 + ((byteAt(key, n - 3) << 16) | (byteAt(key, n - 2) << 8) | byteAt(key, n - 1));
}

/** Top 24 bits of the randomness of the trace id at u8[start, start + 16): its bytes 9..11. */
export function idRandomnessHi(u8: Uint8Array, start: number): number {
  return (u8[start + 9] << 16) | (u8[start + 10] << 8) | u8[start + 11];
}

/** Low 32 bits of the randomness of the trace id at u8[start, start + 16): its bytes 12..15. */
export function idRandomnessLo(u8: Uint8Array, start: number): number {
  return u8[start + 12] * 0x1000000 + ((u8[start + 13] << 16) | (u8[start + 14] << 8) | u8[start + 15]);
}

function byteAt(key: string, i: number): number {
  return i >= 0 ? key.charCodeAt(i) & 0xff : 0;
}

/** R >= T, with both as (top 24 bits, low 32 bits). */
export function atLeast(rHi: number, rLo: number, tHi: number, tLo: number): boolean {
  return rHi > tHi || (rHi === tHi && rLo >= tLo);
}

/** Whether threshold `a` is below threshold `b` (both canonical `th` values). */
export function thresholdBelow(a: string, b: string): boolean {
  return a.padEnd(14, '0') < b.padEnd(14, '0');
}

/**
 * The proportional downstream rule of the specification: a stage sampling at p what arrived with
 * threshold `upstream` keeps p × P(upstream), and never lowers the threshold (a lower one would
 * claim traces the earlier stage already dropped).
 */
export function composeThreshold(p: number, upstream: string, precision: number): QuantizedProbability {
  const p0 = upstream === '' ? 1 : thresholdToProbability(upstream)!;
  if (p >= 1) return upstream === '' ? ONE : { probability: p0, th: upstream };
  const q = quantizeProbability(p * p0, precision);
  if (upstream !== '' && thresholdBelow(q.th, upstream)) return { probability: p0, th: upstream };
  return q;
}

function otMemberValue(traceState: string): string | undefined {
  const members = traceState.split(',');
  for (let i = 0; i < members.length; i++) {
    const m = members[i].trim();
    if (m.startsWith('ot=')) return m.slice(3);
  }
  return undefined;
}

/**
 * Sets `th` in the `ot` member, replacing an old `th` and keeping the other `ot` sub-keys (such
 * as `rv`) and every other vendor's member in order. The updated `ot` member moves to the front,
 * as W3C Trace Context asks of a modified member.
 */
export function mergeThreshold(traceState: string, th: string): string {
  const own = 'th:' + th;
  if (traceState.length === 0) return 'ot=' + own;
  const members = traceState.split(',');
  let ot = own;
  const others: string[] = [];
  for (let i = 0; i < members.length; i++) {
    const m = members[i].trim();
    if (m.length === 0) continue;
    if (m.startsWith('ot=')) {
      const subkeys = m.slice(3).split(';');
      for (let j = 0; j < subkeys.length; j++) {
        const s = subkeys[j];
        if (s.length > 0 && !s.startsWith('th:')) ot += ';' + s;
      }
    } else {
      others.push(m);
    }
  }
  return others.length === 0 ? 'ot=' + ot : 'ot=' + ot + ',' + others.join(',');
}
