import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { memoryTotal } from '../../src/common/cgroup.ts';
import { memoryLimiterConfigSchema } from '../../src/processors/memory_limiter/config.ts';
import { tempDir } from '../e2e/harness.ts';

const GIB = 1024 ** 3;
const machine = () => 16 * GIB;

describe('memory_limiter percentages', () => {
  test('the cgroup v2 limit wins over total memory; "max" means none', () => {
    const root = tempDir();
    writeFileSync(join(root, 'memory.max'), `${2 * GIB}\n`);
    expect(memoryTotal(root, machine)).toEqual({ bytes: 2 * GIB, source: `cgroup v2 (${join(root, 'memory.max')})` });
    writeFileSync(join(root, 'memory.max'), 'max\n');
    expect(memoryTotal(root, machine)).toEqual({ bytes: 16 * GIB, source: 'total memory (no cgroup memory limit)' });
  });

  test('cgroup v1: a limit is used, the page-rounded "unlimited" is not', () => {
    const root = tempDir();
    mkdirSync(join(root, 'memory'));
    writeFileSync(join(root, 'memory', 'memory.limit_in_bytes'), `${GIB}\n`);
    expect(memoryTotal(root, machine).bytes).toBe(GIB);
    expect(memoryTotal(root, machine).source).toContain('cgroup v1');
    writeFileSync(join(root, 'memory', 'memory.limit_in_bytes'), '9223372036854771712\n');
    expect(memoryTotal(root, machine).bytes).toBe(16 * GIB);
  });

  test('limit_percentage and spike_limit_percentage become MiB of what this machine allows; limit_mib wins', () => {
    const totalMib = memoryTotal().bytes / 1024 ** 2;
    const parsed = memoryLimiterConfigSchema.parse({ limit_percentage: 80, spike_limit_percentage: 25 });
    expect(parsed.limit_mib).toBeCloseTo(totalMib * 0.8, 3);
    expect(parsed.spike_limit_mib).toBeCloseTo(totalMib * 0.25, 3);
    expect(parsed.limit_source).toMatch(/^80% of \d+ MiB, /);
    expect(memoryLimiterConfigSchema.parse({ limit_mib: 400, limit_percentage: 80 })).toMatchObject({ limit_mib: 400, spike_limit_mib: 80, limit_source: undefined });
    expect(memoryLimiterConfigSchema.safeParse({ limit_percentage: 50, spike_limit_percentage: 60 }).success).toBe(false);
    expect(memoryLimiterConfigSchema.safeParse({ limit_percentage: 150 }).success).toBe(false);
  });
});
