import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux x86_64

/** User + system CPU seconds a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * Proportional set size: resident pages with each shared page divided among the processes that
 * map it. Summed over a process tree it counts Node's code once, where summed RSS counts it per process.
 */
export function pssBytes(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const match = /^Pss:\s+(\d+) kB/m.exec(rollup);
  return match ? Number(match[1]) * 1024 : 0;
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const cores = readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
  return `${cores} vCPU ${cpu}, Node ${process.version}`;
}

/** A process and its children (a Sluice primary and its workers), read from /proc. */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
  } catch {
    // gone
  }
  return [pid, ...children.flatMap((child) => processTree(child))];
}

function sumOverTree(pid: number, read: (pid: number) => number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += read(p);
    } catch {
      // exited between the listing and the read
    }
  }
  return total;
}

/** CPU seconds of a process and every child it has now (a child that exited and was replaced is not counted). */
export function treeCpuSeconds(pid: number): number {
  return sumOverTree(pid, cpuSeconds);
}

export function treeRssBytes(pid: number): number {
  return sumOverTree(pid, rssBytes);
}

export function treePssBytes(pid: number): number {
  return sumOverTree(pid, pssBytes);
}
