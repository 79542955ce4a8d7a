// The memory limiter admits by what Sluice holds, with RSS as a second signal that can never keep
// it refusing once the held bytes have drained. RSS is injected; no clock is read.
import { describe, expect, test } from 'vitest';
import { MemoryBudget } from '../../src/core/memory.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { MemoryLimiter, memoryLimiterConfigSchema } from '../../src/processors/memory_limiter/index.ts';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { PipelineError } from '../../src/core/errors.ts';
import { metricValue } from '../e2e/harness.ts';

const MIB = 1024 * 1024;

function startLimiter(rss: { value: number }) {
  const budget = new MemoryBudget();
  const changes: boolean[] = [];
  // limit 200, soft 160; a 60 MiB baseline leaves 100 MiB for held data.
  const config = memoryLimiterConfigSchema.parse({ limit_mib: 200, check_interval: '1h' });
  const limiter = new MemoryLimiter(config, budget, (refusing) => changes.push(refusing), () => rss.value);
  rss.value = 60 * MIB;
  limiter.start();
  return { budget, limiter, changes };
}

const batch = () => Batch.fromBytes('traces', new Uint8Array(0), 1, internalMetadata());

describe('memory limiter', () => {
  test('the held-bytes limit is the soft limit less the baseline RSS at start', () => {
    const rss = { value: 0 };
    const { budget, limiter } = startLimiter(rss);
    expect(budget.limit).toBe(100 * MIB);
    expect(limiter.heldLimit).toBe(100 * MIB);
    limiter.shutdown();
  });

  test('admission refuses what would pass the limit, and admits again as soon as held bytes fall', () => {
    const rss = { value: 0 };
    const { budget, limiter } = startLimiter(rss);
    const bodies = budget.holder('receiver');
    bodies.add(90 * MIB);
    expect(budget.refuses(5 * MIB)).toBeUndefined();
    expect(budget.refuses(20 * MIB)).toBe('held_limit');
    bodies.add(-50 * MIB);
    expect(budget.refuses(20 * MIB)).toBeUndefined();
    expect(budget.refusalCounts.held_limit).toBe(1);
    limiter.shutdown();
  });

  test('refusing ends when held bytes drain, whatever RSS does', () => {
    const rss = { value: 0 };
    const { budget, limiter, changes } = startLimiter(rss);
    const queue = budget.holder('exporter_queue');
    let sampler = 0;
    budget.track('sampler', () => sampler);
    queue.add(80 * MIB);
    sampler = 30 * MIB;
    rss.value = 400 * MIB;
    limiter.check();
    expect(limiter.refusing).toBe(true);
    expect(() => limiter.process(batch())).toThrow(PipelineError);
    // Drained: RSS stays where the spike left it, as Node does not give the memory back.
    queue.add(-80 * MIB);
    sampler = 0;
    limiter.check();
    expect(limiter.refusing).toBe(false);
    expect(limiter.process(batch())).toBeInstanceOf(Batch);
    expect(budget.refuses(10 * MIB)).toBeUndefined();
    expect(changes).toEqual([true, false]);
    limiter.shutdown();
  });

  test('high RSS refuses while Sluice still holds at least half its limit', () => {
    const rss = { value: 0 };
    const { budget, limiter } = startLimiter(rss);
    const batches = budget.holder('batch');
    batches.add(60 * MIB);
    rss.value = 210 * MIB;
    limiter.check();
    expect(limiter.refusing).toBe(true);
    expect(budget.refuses(1)).toBe('rss');
    batches.add(-20 * MIB);
    limiter.check();
    expect(limiter.refusing).toBe(false);
    limiter.shutdown();
  });

  test('self-metrics show held bytes by holder, the limit, the state and refusals by reason', () => {
    const rss = { value: 0 };
    const { budget, limiter } = startLimiter(rss);
    const telemetry = new Telemetry();
    budget.register(telemetry);
    budget.holder('receiver').add(150 * MIB);
    budget.track('sampler', () => 1234);
    limiter.check();
    budget.refuses(1);
    const page = telemetry.render();
    expect(metricValue(page, 'sluice_memory_held_bytes', { holder: 'receiver' })).toBe(150 * MIB);
    expect(metricValue(page, 'sluice_memory_held_bytes', { holder: 'sampler' })).toBe(1234);
    expect(metricValue(page, 'sluice_memory_limit_bytes', {})).toBe(100 * MIB);
    expect(metricValue(page, 'sluice_memory_refusing', {})).toBe(1);
    expect(metricValue(page, 'sluice_memory_refusals_total', { reason: 'held_limit' })).toBe(1);
    limiter.shutdown();
  });
});
