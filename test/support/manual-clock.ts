// A clock that moves only when a test says so. Timers fire in due order, and after each one the
// promise chains it started are let run, so `await clock.advance(ms)` leaves the code under test
// where real time would have.
import type { Clock, TimerHandle } from '../../src/core/clock.ts';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** Lets pending promise reactions and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return timer as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as unknown as Timer);
  }

  /** Timers waiting to fire, as delays from now. */
  get pending(): number[] {
    return [...this.#timers].map((timer) => timer.at - this.#now).sort((a, b) => a - b);
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.#timers) if (timer.at <= target && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now = next.at;
      next.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}
