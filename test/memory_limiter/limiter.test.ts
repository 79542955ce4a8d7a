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
  // limit 200, soft 160; a 10 MiB baseline leaves 150 MiB of RSS, which is 100 MiB of held data at 1.5 RSS per byte held.
  const config = memoryLimiterConfigSchema.parse({ limit_mib: 200, check_interval: '1h' });
  const limiter = new MemoryLimiter(config, budget, (refusing) => changes.push(refusing), () => rss.value);
  rss.value = 10 * MIB;
  limiter.start();
  return { budget, limiter, changes };
}

const batch = () => Batch.fromBytes('traces', new Uint8Array(0), 1, internalMetadata());

describe('memory limiter', () => {
  test('the held-bytes limit is what fits between the baseline RSS at start and the soft limit', () => {
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
    // Admission reopens at once; the state follows at the first check that saw no refusal.
    expect(budget.refuses(10 * MIB)).toBeUndefined();
    limiter.check();
    expect(limiter.refusing).toBe(true);
    limiter.check();
    expect(limiter.refusing).toBe(false);
    expect(limiter.process(batch())).toBeInstanceOf(Batch);
    expect(budget.refuses(10 * MIB)).toBeUndefined();
    expect(changes).toEqual([true, false]);
    limiter.shutdown();
  });

  test('RSS over the hard limit tightens the limit by 10%, and refusing ends once held bytes are under it, RSS still high', () => {
    const rss = { value: 0 };
    const { budget, limiter } = startLimiter(rss);
    const batches = budget.holder('batch');
    batches.add(95 * MIB);
    limiter.check();
    expect(limiter.refusing).toBe(false);
    rss.value = 210 * MIB;
    limiter.check();
    expect(limiter.refusing).toBe(true);
    expect(budget.refuses(1)).toBe('rss');
    batches.add(-10 * MIB);
    expect(budget.refuses(1 * MIB)).toBeUndefined();
    limiter.check();
    limiter.check();
    expect(limiter.refusing).toBe(false);
    expect(budget.refusalCounts.rss).toBe(1);
    limiter.shutdown();
  });

  test('without a limiter the budget only counts, and never refuses', () => {
    const budget = new MemoryBudget();
    budget.holder('receiver').add(10_000 * MIB);
    expect(budget.overLimit).toBe(false);
    expect(budget.refuses(MIB)).toBeUndefined();
  });

  test('admission refusals turn the refusing state on, though held bytes never pass the limit', () => {
    const rss = { value: 0 };
    const { budget, limiter, changes } = startLimiter(rss);
    budget.holder('receiver').add(99 * MIB);
    expect(budget.refuses(2 * MIB)).toBe('held_limit');
    limiter.check();
    expect(limiter.refusing).toBe(true);
    expect(budget.refusing).toBe(true);
    limiter.check();
    expect(changes).toEqual([true, false]);
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

describe('what a batch counts for in the budget', () => {
  test('its encoded size, kept through a decode; a request built from objects counts its hint', () => {
    const bytes = new Uint8Array(100);
    expect(Batch.fromBytes('traces', bytes, 1, internalMetadata()).byteLength).toBe(100);
    expect(Batch.fromChunks('traces', [new Uint8Array(30), new Uint8Array(40)], 2, internalMetadata()).byteLength).toBe(70);
    const json = Batch.fromRequest('traces', { resourceSpans: [] }, internalMetadata(), 512);
    expect(json.byteLength).toBe(512);
    const decoded = Batch.fromBytes('traces', new Uint8Array(0), 0, internalMetadata());
    decoded.mutate();
    expect(decoded.byteLength).toBe(0);
  });
});
