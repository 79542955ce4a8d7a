import {
  atLeast,
  canonicalThreshold,
  hex56Hi,
  hex56Lo,
  isRandomness,
  MIN_PROBABILITY,
  quantizeProbability,
  thresholdBelow,
  thresholdToProbability,
} from '../../otlp/sampling-threshold.ts';
import type { ProbabilisticSamplerConfig, SamplerMode } from './config.ts';

// The decision both signals share. Every mode decides R >= T on 56-bit values as the
// OpenTelemetry specification does, so the `th` written is exactly the rule that kept the item
// and any consistent sampler downstream (adaptive_sampling included) composes with it.
// R and T travel as (top 24 bits, low 32 bits), as in src/otlp/sampling-threshold.ts.

/** A rejection threshold: `th` (canonical hex), its two halves and the probability it encodes. */
export interface Threshold {
  th: string;
  hi: number;
  lo: number;
  probability: number;
}

export function threshold(th: string): Threshold {
  return { th, hi: hex56Hi(th), lo: hex56Lo(th), probability: thresholdToProbability(th)! };
}

export const ALWAYS = threshold('0');

/** What to do with one item. */
export const DROP = 0;
export const KEEP = 1; // unchanged: the item passes as it came (fail_closed: false on an error)
export const STAMP = 2; // kept, with `result.th` (and `result.rv` when set) written on it

/** The randomness of one item, or missing. Set by the signal's reader, read by `decide`. */
export class Randomness {
  present = false;
  hi = 0;
  lo = 0;
  /** rv to write when R did not come from the trace id or an rv already on the item (hash_seed mode). */
  rv = '';

  set(hi: number, lo: number, rv: string): void {
    this.present = true;
    this.hi = hi;
    this.lo = lo;
    this.rv = rv;
  }

  setHex(rv: string): void {
    this.set(hex56Hi(rv), hex56Lo(rv), '');
  }

  clear(): void {
    this.present = false;
    this.rv = '';
  }
}

/** The outcome's details when it is STAMP. */
export class Result {
  th = '';
  probability = 1;
  rv = '';
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The Collector's hash_seed randomness: FNV-1a over the seed (4 bytes, little-endian) and the
 * key, of which the low 14 bits decide. It is laid out as a 56-bit R whose top 14 bits are
 * 16383 − hash, so "hash < scaled rate" (the original rule) is exactly R >= T, and `rv` lets
 * later samplers reproduce it.
 */
export function hashRandomness(seed: number, key: Uint8Array, start: number, end: number, out: Randomness): void {
  let h = FNV_OFFSET;
  h = Math.imul(h ^ (seed & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((seed >>> 8) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ ((seed >>> 16) & 0xff), FNV_PRIME);
  h = Math.imul(h ^ (seed >>> 24), FNV_PRIME);
  for (let i = start; i < end; i++) h = Math.imul(h ^ key[i], FNV_PRIME);
  h >>>= 0;
  const hashed = h & 0x3fff;
  const high14 = 0x3fff - hashed;
  const unused18 = h >>> 14;
  const mixed28 = (unused18 ^ (unused18 << 10)) & 0xfffffff;
  const hi = high14 * 1024 + (mixed28 >>> 18);
  const lo = (mixed28 & 0x3ffff) * 16384 + hashed;
  out.set(hi, lo, hi.toString(16).padStart(6, '0') + lo.toString(16).padStart(8, '0'));
}

/** The mode `mode: unset` resolves to, as the Collector resolves it. */
export function resolveMode(config: ProbabilisticSamplerConfig, logs: boolean): SamplerMode {
  if (config.mode !== undefined) return config.mode;
  return config.hash_seed !== 0 || (logs && config.attribute_source !== 'traceID') ? 'hash_seed' : 'proportional';
}

/**
 * The threshold for a percentage, or undefined for "keep nothing". hash_seed keeps the
 * Collector's 14-bit arithmetic (float32 multiply, truncated), so the same seed keeps the same
 * items; the other modes round to `precision` hex digits.
 */
export function percentageThreshold(mode: SamplerMode, percentage: number, precision: number): Threshold | undefined {
  const pct = Math.min(percentage, 100);
  if (!(pct > 0)) return undefined;
  if (mode === 'hash_seed') {
    const scaled = Math.trunc(Math.fround(Math.fround(pct) * Math.fround(0x4000 / 100)));
    if (scaled === 0) return undefined;
    const reject = 0x4000 - scaled; // top 14 bits of T
    return threshold(canonicalThreshold((reject * 4).toString(16).padStart(4, '0')));
  }
  return threshold(quantizeProbability(Math.max(pct / 100, MIN_PROBABILITY), precision).th);
}

export class Decider {
  readonly mode: SamplerMode;
  readonly failClosed: boolean;
  readonly #precision: number;
  /** The configured threshold; undefined when it keeps nothing. */
  readonly base: Threshold | undefined;
  // proportional: the composed threshold per arriving `th`. Few distinct rates exist, so this stays small.
  readonly #composed = new Map<string, Threshold | null>();
  /** Errors seen, by reason, for the processor's log and tests. */
  readonly errors = { missing_randomness: 0, inconsistent_threshold: 0, sampling_info_in_use: 0 };

  constructor(config: ProbabilisticSamplerConfig, logs: boolean) {
    this.mode = resolveMode(config, logs);
    this.failClosed = config.fail_closed;
    this.#precision = config.sampling_precision;
    this.base = percentageThreshold(this.mode, config.sampling_percentage, config.sampling_precision);
  }

  /**
   * Decides one item. `r`: its randomness; `arriving`: its canonical `th` ('' when none, undefined
   * when malformed); `inUse`: hash_seed mode met an item that already carries `rv` or `th`;
   * `target`: the threshold to apply (the base, or one from a priority attribute), undefined
   * for "keep nothing"; `forced`: a priority said keep.
   */
  decide(r: Randomness, arriving: string | undefined, inUse: boolean, target: Threshold | undefined, forced: boolean, out: Result): number {
    let error = false;
    if (!r.present) {
      this.errors.missing_randomness++;
      error = true;
    } else if (inUse) {
      this.errors.sampling_info_in_use++;
      error = true;
    } else if (arriving === undefined || (arriving !== '' && !atLeast(r.hi, r.lo, hex56Hi(arriving), hex56Lo(arriving)))) {
      // A threshold the item's own R does not meet is a lie: the spec says clear it.
      this.errors.inconsistent_threshold++;
      error = true;
      arriving = '';
    }
    if (error) {
      if (forced) return this.#keepForced(arriving ?? '', out);
      return this.failClosed ? DROP : KEEP;
    }
    const upstream = arriving!;
    if (forced) return this.#keepForced(upstream, out);
    let t = target;
    if (t !== undefined && this.mode === 'proportional' && upstream !== '') t = this.#compose(t, upstream);
    if (t === undefined || !atLeast(r.hi, r.lo, t.hi, t.lo)) return DROP;
    // Never write a threshold below the arriving one: that would claim items an earlier stage dropped.
    if (upstream !== '' && thresholdBelow(t.th, upstream)) t = threshold(upstream);
    out.th = t.th;
    out.probability = t.probability;
    out.rv = r.rv;
    return STAMP;
  }

  #keepForced(upstream: string, out: Result): number {
    const t = upstream === '' ? ALWAYS : threshold(upstream);
    out.th = t.th;
    out.probability = t.probability;
    out.rv = '';
    return STAMP;
  }

  /** The specification's proportional rule: keep ratio × P(arriving) of what arrived. */
  #compose(t: Threshold, upstream: string): Threshold | undefined {
    let c = this.#composed.get(upstream);
    if (c === undefined) {
      const p = t.probability * thresholdToProbability(upstream)!;
      c = p < MIN_PROBABILITY ? null : threshold(quantizeProbability(p, this.#precision).th);
      if (this.#composed.size < 1024) this.#composed.set(upstream, c);
    }
    return c ?? undefined;
  }
}

/** A priority value: 0 drops, above 0 keeps (traces); for logs it is a percentage. NaN when unreadable. */
export function priorityNumber(value: { intValue?: bigint | number; doubleValue?: number; stringValue?: string } | undefined): number {
  if (value === undefined) return NaN;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.stringValue !== undefined && value.stringValue.trim() !== '') return Number(value.stringValue);
  return NaN;
}

export { canonicalThreshold, isRandomness };
