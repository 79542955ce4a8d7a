import type { Batch } from '../../core/batch.ts';
import type { Clock } from '../../core/clock.ts';
import type { Exporter } from '../../core/component.ts';
import { retryableError } from '../../core/errors.ts';

/**
 * One push, bounded by `timeoutMs` (0: no bound, as in the Collector) and by the helper's stop
 * signal. Resolves with the error, or undefined when the push succeeded. An exporter that ignores
 * its abort signal still releases the consumer at the deadline: the race does not wait for it.
 */
export async function pushWithTimeout(exporter: Exporter, batch: Batch, timeoutMs: number, stop: AbortSignal, clock: Clock): Promise<unknown> {
  // One controller and a timer cleared on completion: AbortSignal.timeout's timer would fire for
  // every export long after it finished, and AbortSignal.any keeps weak references to follow.
  const controller = new AbortController();
  let abort!: (error: Error) => void;
  const aborted = new Promise<never>((_, reject) => {
    abort = (error) => {
      reject(error);
      controller.abort(error);
    };
  });
  const timer = timeoutMs > 0 ? clock.setTimeout(() => abort(retryableError(`export timed out after ${timeoutMs}ms`)), timeoutMs) : undefined;
  const onStop = () => abort(retryableError('export interrupted by shutdown'));
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    await Promise.race([exporter.push(batch, controller.signal), aborted]);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
