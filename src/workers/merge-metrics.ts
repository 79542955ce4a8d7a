import { formatValue, type Telemetry } from '../core/telemetry.ts';
import type { Worker } from './worker.ts';

// One /metrics page for a pool of workers: every worker's page, sample by sample, summed. Every
// worker labels its series alike (one service_instance_id for the pool), so the sum of a counter,
// a histogram bucket or a queue size is the process's. A few families are one fact about the whole
// pool, which every worker repeats: those take the largest value instead.

const POOL_WIDE = new Set(['otelcol_process_uptime_seconds_total', 'sluice_worker_restarts_total', 'sluice_workers']);

interface FamilyTotals {
  head: string[];
  pick: (a: number, b: number) => number;
  samples: Map<string, number>;
}

const sum = (a: number, b: number) => a + b;

/** Sums Prometheus text pages (as Telemetry.render writes them) sample by sample. */
export function mergeExpositions(pages: readonly string[]): string {
  const families = new Map<string, FamilyTotals>();
  for (const page of pages) {
    let family: FamilyTotals | undefined;
    for (const line of page.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# HELP ')) {
        const name = line.slice(7, line.indexOf(' ', 7) >>> 0);
        family = families.get(name);
        if (family === undefined) {
          family = { head: [line], pick: POOL_WIDE.has(name) ? Math.max : sum, samples: new Map() };
          families.set(name, family);
        }
        continue;
      }
      if (line.startsWith('#')) {
        if (family !== undefined && family.head.length === 1 && line.startsWith('# TYPE ')) family.head.push(line);
        continue;
      }
      if (family === undefined) continue;
      const space = line.lastIndexOf(' ');
      const key = line.slice(0, space);
      const value = Number(line.slice(space + 1).replace('+Inf', 'Infinity').replace('-Inf', '-Infinity'));
      const before = family.samples.get(key);
      family.samples.set(key, before === undefined ? value : family.pick(before, value));
    }
  }
  const out: string[] = [];
  for (const family of families.values()) {
    out.push(...family.head);
    for (const [key, value] of family.samples) out.push(`${key} ${formatValue(value)}`);
  }
  out.push('');
  return out.join('\n');
}

/** This worker's page and every other worker's that answered, summed. */
export async function mergedMetricsPage(telemetry: Telemetry, workers: Worker): Promise<string> {
  const answers = await workers.ask('metrics');
  const pages = [telemetry.render()];
  for (const { answer } of answers) if (typeof answer === 'string') pages.push(answer);
  return mergeExpositions(pages);
}

/** The pool's own series, on every worker's page (POOL_WIDE keeps them from being summed). */
export function registerPoolMetrics(telemetry: Telemetry, workers: Worker): void {
  telemetry.observe('sluice_worker_restarts_total', 'Worker processes restarted after they exited, since Sluice started.', [], () => [{ labels: {}, value: workers.pool.restarts }], 'counter');
  telemetry.observe('sluice_workers', 'Worker processes: configured, and running (started and not exited).', ['state'], () => [
    { labels: { state: 'configured' }, value: workers.count },
    { labels: { state: 'running' }, value: workers.pool.running },
  ]);
}
