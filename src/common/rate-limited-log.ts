import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.ts';

// A failing backend or a full disk fails every batch, many times a second. Operators must see
// it at the default level (the Collector logs failed exports at info), but one line per failure
// would flood the log: each key logs at most once per interval, and the next line it writes
// carries how many were left out in between.

export type RateLimitedLevel = 'info' | 'warn' | 'error';

export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #lastAt = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();

  constructor(logger: Logger, intervalMs: number, clock: Clock = systemClock) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /** Logs unless `key` logged less than the interval ago; returns whether it logged. */
  log(level: RateLimitedLevel, key: string, fields: Record<string, unknown>, message: string): boolean {
    const now = this.#clock.now();
    const last = this.#lastAt.get(key);
    if (last !== undefined && now - last < this.#intervalMs) {
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      return false;
    }
    this.#lastAt.set(key, now);
    const suppressed = this.#suppressed.get(key) ?? 0;
    this.#suppressed.delete(key);
    this.#logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, message);
    return true;
  }
}
