// The memory limiter refuses data above its soft limit (limit − spike) with a retryable error that
// carries retry_after, tells the host so buffering components can shed load, and accepts again
// once memory is back under the soft limit. Resident memory is injected.
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { PipelineError } from '../../src/core/errors.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { MemoryLimiter, memoryLimiterConfigSchema } from '../../src/processors/memory_limiter/index.ts';

const MIB = 1024 * 1024;
const batch = () => Batch.fromBytes('traces', new Uint8Array(0), 1, internalMetadata());

function limiter(rssMib: { value: number }, overloads: boolean[]) {
  const config = memoryLimiterConfigSchema.parse({ limit_mib: 100, spike_limit_mib: 20, retry_after: '3s' });
  return new MemoryLimiter(config, (overloaded) => overloads.push(overloaded), () => rssMib.value * MIB);
}

describe('memory limiter', () => {
  test('below the soft limit, batches pass untouched', () => {
    const rss = { value: 79 };
    const overloads: boolean[] = [];
    const memory = limiter(rss, overloads);
    memory.check();
    const input = batch();
    expect(memory.process(input)).toBe(input);
    expect(overloads).toEqual([]);
  });

  test('at the soft limit it refuses, retryable with retry_after, and tells the host once', () => {
    const rss = { value: 80 };
    const overloads: boolean[] = [];
    const memory = limiter(rss, overloads);
    memory.check();
    memory.check();
    let refusal: unknown;
    try {
      memory.process(batch());
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(PipelineError);
    expect(refusal).toMatchObject({ kind: 'overloaded', retryable: true, retryAfterMs: 3_000 });
    expect(overloads).toEqual([true]);
  });

  test('it accepts again once memory is back under the soft limit', () => {
    const rss = { value: 95 };
    const overloads: boolean[] = [];
    const memory = limiter(rss, overloads);
    memory.check();
    expect(() => memory.process(batch())).toThrow(PipelineError);
    rss.value = 60;
    memory.check();
    expect(memory.refusing).toBe(false);
    expect(() => memory.process(batch())).not.toThrow();
    expect(overloads).toEqual([true, false]);
  });

  test('spike_limit_mib defaults to 20% of limit_mib and must stay below it', () => {
    expect(memoryLimiterConfigSchema.parse({ limit_mib: 500 }).spike_limit_mib).toBe(100);
    expect(memoryLimiterConfigSchema.safeParse({ limit_mib: 100, spike_limit_mib: 100 }).success).toBe(false);
  });
});
