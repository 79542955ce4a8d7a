import type { RetrySettings } from './config.ts';

/** The wait before retry `attempt` (1-based): exponential, capped, with jitter, never below the server's Retry-After. */
export function backoffDelay(settings: RetrySettings, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const base = Math.min(settings.initial_interval * settings.multiplier ** (attempt - 1), settings.max_interval);
  const jitter = settings.randomization_factor * base;
  const delay = base - jitter + random() * 2 * jitter;
  return retryAfterMs === undefined ? delay : Math.max(delay, retryAfterMs);
}

/** Resolves after `ms`, or early (with false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
