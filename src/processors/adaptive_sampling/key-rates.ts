import { LatencySketch } from './latency-sketch.ts';
import { hex56Hi, hex56Lo, quantizeProbability, type QuantizedProbability } from '../../otlp/sampling-threshold.ts';

// Per-key dynamic rates, after Refinery's EMA throughput sampler: count the traces reaching the
// dynamic stage per key, fold the counts into an EMA every adjustment interval, and split the
// per-second budget (target minus what the policy stage kept) across keys with log weights.
// A key whose traffic fits under its share gets probability 1 and its unused share goes back to
// the others, so rare keys are kept whole and frequent keys are sampled hardest.

/** What a kept trace's spans are stamped with; shared by every trace with the same outcome. */
export interface DecisionRecord {
  readonly reason: string;
  /** The probability `th` encodes: the whole chain's, upstream stages included when `composed`. */
  readonly probability: number;
  readonly th: string;
  /** The threshold as (top 24 bits, low 32 bits), for R >= T. */
  readonly tHi: number;
  readonly tLo: number;
  /** True when the probability already includes an upstream `th`, so no other upstream count multiplies in. */
  readonly composed: boolean;
}

export function decisionRecord(reason: string, q: QuantizedProbability, composed = false): DecisionRecord {
  return { reason, probability: q.probability, th: q.th, tHi: hex56Hi(q.th), tLo: hex56Lo(q.th), composed };
}

const SAMPLED_ALL = decisionRecord('sampled', { probability: 1, th: '0' });

export const OVERFLOW_KEY = '__overflow__';

export class KeyState {
  readonly key: string;
  /** Dynamic-stage traces this interval. */
  count = 0;
  /** Traces per second reaching the dynamic stage; -1 until the first fold. */
  ema = -1;
  probability = 1;
  record: DecisionRecord = SAMPLED_ALL;
  sketch: LatencySketch | null = null;

  constructor(key: string) {
    this.key = key;
  }
}

export interface KeyRatesOptions {
  targetPerSecond: number;
  intervalMs: number;
  emaWeight: number;
  maxKeys: number;
  thresholdPrecision: number;
}

export class KeyRates {
  readonly #opts: KeyRatesOptions;
  readonly #states = new Map<string, KeyState>();
  #policyCount = 0;
  #policyEma = -1;
  #windowStart = -1;
  #warmedUp = false;
  /** Before warm-up: traces that entered the buffer since the first, and traces decided. */
  #firstArrival = -1;
  #arrivals = 0;
  #decided = 0;
  #dirty = false;

  constructor(opts: KeyRatesOptions) {
    this.#opts = opts;
  }

  /** The state of a key; past max_keys, new keys share the overflow key. */
  stateFor(key: string): KeyState {
    let state = this.#states.get(key);
    if (state !== undefined) return state;
    if (this.#states.size >= this.#opts.maxKeys) {
      key = OVERFLOW_KEY;
      state = this.#states.get(key);
      if (state !== undefined) return state;
    }
    state = new KeyState(key);
    this.#states.set(key, state);
    return state;
  }

  countDynamic(state: KeyState): void {
    state.count++;
    this.#decided++;
    this.#dirty = true;
  }

  countPolicyKept(): void {
    this.#policyCount++;
    this.#decided++;
    this.#dirty = true;
  }

  /** A trace decided by a drop rule: part of the traffic mix, not of the budget. */
  countPolicyDropped(): void {
    this.#decided++;
  }

  /** A new trace entered the buffer; until the first full interval this measures the traffic rate. */
  countArrival(now: number): void {
    if (this.#warmedUp) return;
    if (this.#firstArrival < 0) this.#firstArrival = now;
    this.#arrivals++;
  }

  /**
   * Called once per tick, after the tick's traces were counted and before they are sampled.
   * `windowStart` is the previous tick's time: the first window opens there when traffic first
   * reaches the sampler.
   *
   * Until one full interval has been folded, rates are recomputed every tick. Decided traces
   * give the mix (per key, and policy keeps), but not the rate: they arrive decision_wait late
   * and all at once when an SDK sends in bursts, so one tick's decisions read as a huge rate.
   * The rate is the traces that *entered the buffer* since the first one, over that time; by
   * the first decision that covers decision_wait of traffic, so the first burst is sampled at
   * the rate its traffic would earn in any later window.
   */
  update(now: number, windowStart: number): void {
    if (this.#windowStart < 0) {
      if (!this.#dirty) return;
      this.#windowStart = windowStart;
    }
    const elapsedMs = Math.max(1, now - this.#windowStart);
    if (elapsedMs >= this.#opts.intervalMs) {
      // The first window also holds the first tick's decisions, which were due before it
      // opened: measured by its own length it would count one SDK burst twice.
      this.#fold(this.#warmedUp ? 1000 / elapsedMs : this.#firstWindowPerCount(now, elapsedMs));
      this.#windowStart = now;
      this.#warmedUp = true;
      this.#allocate(1);
    } else if (!this.#warmedUp && this.#dirty) {
      this.#allocate(this.#firstWindowPerCount(now, elapsedMs));
    }
    this.#dirty = false;
  }

  /** Before warm-up: the traces per second one decided trace stands for (arrival rate / decided). */
  #firstWindowPerCount(now: number, elapsedMs: number): number {
    const sinceFirst = this.#firstArrival < 0 ? 0 : now - this.#firstArrival;
    const arrivalSeconds = Math.max(elapsedMs, sinceFirst) / 1000;
    const arrivalsPerSecond = Math.max(this.#arrivals, this.#decided) / arrivalSeconds;
    return arrivalsPerSecond / Math.max(1, this.#decided);
  }

  /** Folds this window's counts into the EMAs; `perCount` turns a count into traces per second. */
  #fold(perCount: number): void {
    const w = this.#opts.emaWeight;
    for (const [key, s] of this.#states) {
      const rate = s.count * perCount;
      s.ema = s.ema < 0 ? rate : w * rate + (1 - w) * s.ema;
      s.count = 0;
      // Idle keys age out so max_keys bounds live traffic, not history.
      if (rate === 0 && s.ema < 1e-3) this.#states.delete(key);
    }
    const policyRate = this.#policyCount * perCount;
    this.#policyEma = this.#policyEma < 0 ? policyRate : w * policyRate + (1 - w) * this.#policyEma;
    this.#policyCount = 0;
  }

  /**
   * Water-filling over log weights. Before warm-up (`perCount` > 0 and no EMA yet) a key's rate
   * is its count so far times `perCount` (traces per second that one decided trace stands for).
   */
  #allocate(perCount: number): void {
    const provisional = !this.#warmedUp;
    const states: KeyState[] = [];
    const rates: number[] = [];
    let total = 0;
    for (const s of this.#states.values()) {
      const rate = provisional ? s.count * perCount : Math.max(0, s.ema);
      if (rate <= 0) {
        this.#setProbability(s, 1);
        continue;
      }
      states.push(s);
      rates.push(rate);
      total += rate;
    }
    const policyRate = provisional ? this.#policyCount * perCount : Math.max(0, this.#policyEma);
    let budget = Math.max(0, this.#opts.targetPerSecond - policyRate);
    if (total <= budget) {
      for (let i = 0; i < states.length; i++) this.#setProbability(states[i], 1);
      return;
    }
    const intervalSeconds = this.#opts.intervalMs / 1000;
    const weights = new Float64Array(states.length);
    const active = new Uint8Array(states.length).fill(1);
    let weightSum = 0;
    for (let i = 0; i < states.length; i++) {
      weights[i] = Math.log(1 + Math.max(1, rates[i] * intervalSeconds));
      weightSum += weights[i];
    }
    for (let changed = true; changed && weightSum > 0; ) {
      changed = false;
      for (let i = 0; i < states.length; i++) {
        if (active[i] === 0) continue;
        const share = (budget * weights[i]) / weightSum;
        if (rates[i] <= share) {
          this.#setProbability(states[i], 1);
          active[i] = 0;
          budget -= rates[i];
          weightSum -= weights[i];
          changed = true;
        }
      }
    }
    for (let i = 0; i < states.length; i++) {
      if (active[i] === 0) continue;
      const share = weightSum > 0 ? (budget * weights[i]) / weightSum : 0;
      this.#setProbability(states[i], share / rates[i]);
    }
  }

  #setProbability(s: KeyState, p: number): void {
    const q = quantizeProbability(p, this.#opts.thresholdPrecision);
    if (q.probability === s.probability && q.th === s.record.th) return;
    s.probability = q.probability;
    s.record = decisionRecord('sampled', q);
  }

  /** Keys with the most traffic, with their current probability and traces per second. */
  top(n: number): Array<{ key: string; rate: number; tracesPerSecond: number }> {
    const all = [...this.#states.values()];
    all.sort((a, b) => b.ema - a.ema || b.count - a.count);
    return all.slice(0, n).map((s) => ({ key: s.key, rate: s.probability, tracesPerSecond: Math.max(0, s.ema) }));
  }

  get size(): number {
    return this.#states.size;
  }
}
