import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';

// What a process is given. Memory: the container's cgroup limit (v2, then v1) when it has one,
// else the machine's total memory. The Collector's percentage settings (memory_limiter's
// limit_percentage) are relative to this, so a limit follows the container it runs in.

export interface MemoryTotal {
  bytes: number;
  /** Where the figure came from, for the start log: `cgroup v2 (/sys/fs/cgroup/memory.max)`. */
  source: string;
}

/** cgroup v1 writes "no limit" as a page-rounded maximum; anything this large is no limit. */
const V1_UNLIMITED = 2 ** 60;

function readNumber(path: string): number | 'max' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (text === 'max') return 'max';
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** `root` is the cgroup mount point, replaceable for tests. */
export function memoryTotal(root = '/sys/fs/cgroup', total: () => number = totalmem): MemoryTotal {
  const machine = total();
  const v2Path = join(root, 'memory.max');
  const v2 = readNumber(v2Path);
  if (typeof v2 === 'number' && v2 < machine) return { bytes: v2, source: `cgroup v2 (${v2Path})` };
  if (v2 === undefined) {
    const v1Path = join(root, 'memory', 'memory.limit_in_bytes');
    const v1 = readNumber(v1Path);
    if (typeof v1 === 'number' && v1 < V1_UNLIMITED && v1 < machine) return { bytes: v1, source: `cgroup v1 (${v1Path})` };
  }
  return { bytes: machine, source: 'total memory (no cgroup memory limit)' };
}

export interface CpuTotal {
  /** CPUs this process may use: a whole number ≥ 1. */
  cpus: number;
  source: string;
}

/**
 * The CPU a process is given: its container's cgroup CPU quota (v2 `cpu.max`, then v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up, when that is less than the cores it may
 * run on; else those cores. The Collector's Go runtime sizes GOMAXPROCS from the same quota.
 */
export function cpuTotal(root = '/sys/fs/cgroup', cores: () => number = availableParallelism): CpuTotal {
  const available = Math.max(1, cores());
  let quota: { cpus: number; source: string } | undefined;
  const v2Path = join(root, 'cpu.max');
  const v2 = readText(v2Path);
  if (v2 !== undefined) {
    const [max, period] = v2.split(/\s+/);
    if (max !== 'max' && Number(max) > 0 && Number(period) > 0) quota = { cpus: Number(max) / Number(period), source: `cgroup v2 (${v2Path})` };
  } else {
    const q = readNumber(join(root, 'cpu', 'cpu.cfs_quota_us'));
    const p = readNumber(join(root, 'cpu', 'cpu.cfs_period_us'));
    if (typeof q === 'number' && typeof p === 'number') quota = { cpus: q / p, source: `cgroup v1 (${join(root, 'cpu')})` };
  }
  if (quota !== undefined && quota.cpus < available) return { cpus: Math.max(1, Math.ceil(quota.cpus - 1e-9)), source: quota.source };
  return { cpus: available, source: 'available cores (no cgroup CPU quota)' };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
