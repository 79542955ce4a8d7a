// OpenTelemetry consistent-probability attribution (tracestate `ot=th:`): a 56-bit rejection
// threshold T = (1 - p) * 2^56, written in hex without trailing zeros. Rates are rounded to the
// threshold's precision *before* deciding, so the decision, the `th` value and
// `sampling.adjusted_count` all describe the same probability.

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
  if (traceState.length === 0) return undefined;
  const ot = otMemberValue(traceState);
  if (ot === undefined) return undefined;
  const subkeys = ot.split(';');
  for (let i = 0; i < subkeys.length; i++) {
    const s = subkeys[i];
    if (s.startsWith('th:')) return s.slice(3);
  }
  return undefined;
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
