import { LatencySketch } from './latency-sketch.ts';
import { quantizeProbability } from './threshold.ts';

// Per-key dynamic rates, after Refinery's EMA throughput sampler: count the traces reaching the
// dynamic stage per key, fold the counts into an EMA every adjustment interval, and split the
// per-second budget (target minus what the policy stage kept) across keys with log weights.
// A key whose traffic fits under its share gets probability 1 and its unused share goes back to
// the others, so rare keys are kept whole and frequent keys are sampled hardest.

/** What a kept trace's spans are stamped with; shared by every trace with the same outcome. */
export interface DecisionRecord {
  readonly reason: string;
  readonly probability: number;
  readonly th: string;
}

export const OVERFLOW_KEY = '__overflow__';

export class KeyState {
  readonly key: string;
  /** Dynamic-stage traces this interval. */
  count = 0;
  /** Traces per second reaching the dynamic stage; -1 until the first fold. */
  ema = -1;
  probability = 1;
  record: DecisionRecord = { reason: 'sampled', probability: 1, th: '0' };
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
    this.#dirty = true;
  }

  countPolicyKept(): void {
    this.#policyCount++;
    this.#dirty = true;
  }

  /**
   * Called once per tick, after the tick's traces were counted and before they are sampled.
   * `windowStart` is the previous tick's time: the first window opens there when traffic first
   * reaches the sampler. Until one full interval has been measured, rates are recomputed every
   * tick from the counts so far, so a cold sampler does not keep everything for a whole interval.
   */
  update(now: number, windowStart: number): void {
    if (this.#windowStart < 0) {
      if (!this.#dirty) return;
      this.#windowStart = windowStart;
    }
    const elapsedMs = Math.max(1, now - this.#windowStart);
    if (elapsedMs >= this.#opts.intervalMs) {
      this.#fold(elapsedMs / 1000);
      this.#windowStart = now;
      this.#warmedUp = true;
      this.#allocate(false, 1);
    } else if (!this.#warmedUp && this.#dirty) {
      this.#allocate(true, elapsedMs / 1000);
    }
    this.#dirty = false;
  }

  #fold(seconds: number): void {
    const w = this.#opts.emaWeight;
    for (const [key, s] of this.#states) {
      const rate = s.count / seconds;
      s.ema = s.ema < 0 ? rate : w * rate + (1 - w) * s.ema;
      s.count = 0;
      // Idle keys age out so max_keys bounds live traffic, not history.
      if (rate === 0 && s.ema < 1e-3) this.#states.delete(key);
    }
    const policyRate = this.#policyCount / seconds;
    this.#policyEma = this.#policyEma < 0 ? policyRate : w * policyRate + (1 - w) * this.#policyEma;
    this.#policyCount = 0;
  }

  /** Water-filling over log weights; `provisional` reads raw counts over `seconds` instead of EMAs. */
  #allocate(provisional: boolean, seconds: number): void {
    const states: KeyState[] = [];
    const rates: number[] = [];
    let total = 0;
    for (const s of this.#states.values()) {
      const rate = provisional ? s.count / seconds : Math.max(0, s.ema);
      if (rate <= 0) {
        this.#setProbability(s, 1);
        continue;
      }
      states.push(s);
      rates.push(rate);
      total += rate;
    }
    const policyRate = provisional ? this.#policyCount / seconds : Math.max(0, this.#policyEma);
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
    s.record = { reason: 'sampled', probability: q.probability, th: q.th };
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
