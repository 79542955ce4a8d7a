import type { RateLimit } from './tenants-file.ts';

// A token bucket on an injected clock (ms). A request larger than the whole burst is admitted
// when the bucket is full and drives the level negative: it is paid back at `rate` before the
// next admission, so the long-run rate holds without refusing big batches forever.

// Absorbs float error in level + elapsed × rate, so waiting exactly the advertised retry time
// always succeeds.
const EPSILON = 1e-9;

export class TokenBucket {
  rate: number;
  burst: number;
  level: number;
  updatedAt: number;

  constructor(limit: RateLimit, now: number) {
    this.rate = limit.rate;
    this.burst = limit.burst;
    this.level = limit.burst;
    this.updatedAt = now;
  }

  refill(now: number): void {
    // A clock that steps back grants nothing, rather than draining or crediting.
    if (now > this.updatedAt) {
      this.level = Math.min(this.burst, this.level + ((now - this.updatedAt) * this.rate) / 1000);
      this.updatedAt = now;
    }
  }

  /** After refill(): ms to wait until `cost` can be admitted; 0 when it can be now. */
  waitMs(cost: number): number {
    const need = cost < this.burst ? cost : this.burst;
    const deficit = need - this.level;
    if (deficit <= EPSILON) return 0;
    // The epsilon keeps float noise (0.1 → 0.10000000000000142) from adding a whole ms.
    return Math.max(1, Math.ceil((deficit * 1000) / this.rate - EPSILON));
  }

  take(cost: number): void {
    this.level -= cost;
  }

  /** New limits apply from `now`; the banked level is kept, clamped to the new burst. */
  reconfigure(limit: RateLimit, now: number): void {
    this.refill(now);
    this.rate = limit.rate;
    this.burst = limit.burst;
    if (this.level > this.burst) this.level = this.burst;
  }
}
