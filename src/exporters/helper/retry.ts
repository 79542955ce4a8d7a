import { sleep, type Clock } from '../../core/clock.ts';
import { isRetryable, type ExportError } from '../../core/errors.ts';
import type { RetrySettings } from './config.ts';

/** The wait before retry `attempt` (1-based): exponential, capped, with jitter, never below the server's Retry-After. */
export function backoffDelay(settings: RetrySettings, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const base = Math.min(settings.initial_interval * settings.multiplier ** (attempt - 1), settings.max_interval);
  const jitter = settings.randomization_factor * base;
  const delay = base - jitter + random() * 2 * jitter;
  return retryAfterMs === undefined ? delay : Math.max(delay, retryAfterMs);
}

export interface RetryOutcome {
  /** The last attempt's error; undefined when an attempt succeeded. */
  error: unknown;
  attempts: number;
  /** The stop signal ended the retries (shutdown), rather than success or giving up. */
  interrupted: boolean;
}

export interface RetryOptions {
  settings: RetrySettings;
  stop: AbortSignal;
  clock: Clock;
  random?: () => number;
  /** Each failed attempt; `retryInMs` is undefined when no retry follows. */
  onFailure(error: unknown, attempt: number, retryInMs: number | undefined): void;
}

/**
 * Calls `attempt` until it succeeds, fails permanently, retries are off, the next wait would pass
 * max_elapsed_time (0: never), or `stop` aborts.
 */
export async function retryUntilDone(attempt: () => Promise<unknown>, options: RetryOptions): Promise<RetryOutcome> {
  const { settings, stop, clock } = options;
  const started = clock.now();
  for (let attempts = 1; ; attempts++) {
    const error = await attempt();
    if (error === undefined) return { error, attempts, interrupted: false };
    const delay = backoffDelay(settings, attempts, (error as ExportError).retryAfterMs, options.random);
    const giveUp =
      !isRetryable(error) ||
      !settings.enabled ||
      stop.aborted ||
      (settings.max_elapsed_time > 0 && clock.now() - started + delay > settings.max_elapsed_time);
    options.onFailure(error, attempts, giveUp ? undefined : delay);
    if (giveUp) return { error, attempts, interrupted: stop.aborted };
    if (!(await sleep(delay, stop, clock))) return { error, attempts, interrupted: true };
  }
}
