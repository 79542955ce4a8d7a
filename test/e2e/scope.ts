import { afterEach } from 'vitest';
import type { RunningSluice } from './harness.ts';

/**
 * What a test started, stopped after it: the Sluice process (set `running`) and anything pushed
 * onto `cleanups` (backends), in that order.
 */
export function testScope(): { running: RunningSluice | undefined; cleanups: Array<() => Promise<unknown>> } {
  const scope = { running: undefined as RunningSluice | undefined, cleanups: [] as Array<() => Promise<unknown>> };
  afterEach(async () => {
    await scope.running?.stop();
    scope.running = undefined;
    for (const cleanup of scope.cleanups.splice(0)) await cleanup();
  });
  return scope;
}
