// A per-key streaming quantile of root durations: log-spaced buckets (about 4% relative error)
// from 10 µs to ~1 h, so one key costs a 1.2 KB Float32Array whatever its traffic. Counts are
// halved when they pass a window, so the learned percentile follows recent traffic.

const GAMMA = 1.08;
const LOG_GAMMA = Math.log(GAMMA);
const MIN_MS = 0.01;
const BUCKETS = 290;
const WINDOW = 20_000;
/** Recompute the cached quantile after this many observations. */
const REFRESH_EVERY = 64;

export class LatencySketch {
  readonly #counts = new Float32Array(BUCKETS);
  #total = 0;
  #sinceRefresh = REFRESH_EVERY;
  #cachedQuantile = Infinity;
  readonly #q: number;

  constructor(quantile: number) {
    this.#q = quantile;
  }

  get count(): number {
    return this.#total;
  }

  observe(durationMs: number): void {
    let i = durationMs <= MIN_MS ? 0 : Math.ceil(Math.log(durationMs / MIN_MS) / LOG_GAMMA);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.#counts[i]++;
    this.#total++;
    this.#sinceRefresh++;
    if (this.#total >= 2 * WINDOW) this.#halve();
  }

  /** The configured quantile's upper bucket bound in ms (cached; refreshed every 64 observations). */
  quantile(): number {
    if (this.#sinceRefresh >= REFRESH_EVERY) {
      this.#cachedQuantile = this.#compute();
      this.#sinceRefresh = 0;
    }
    return this.#cachedQuantile;
  }

  #compute(): number {
    if (this.#total === 0) return Infinity;
    const rank = this.#q * this.#total;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen > rank) return MIN_MS * GAMMA ** i;
    }
    return MIN_MS * GAMMA ** (BUCKETS - 1);
  }

  #halve(): void {
    let total = 0;
    for (let i = 0; i < BUCKETS; i++) {
      this.#counts[i] = this.#counts[i] / 2;
      total += this.#counts[i];
    }
    this.#total = total;
  }
}
