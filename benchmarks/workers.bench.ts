// Sluice with service.workers: N against N = 1, on pass-through and on the gateway chain.
//   node benchmarks/workers.bench.ts [--workers 1,2] [--rows pass,chain] [--seconds 4] [--loaders K] [--sampler-buffer 128MiB] [--write]
// OTLP/HTTP (100-span requests, new trace ids per request, 5% error traces) → [processors] →
// otlphttp → a sink (support/sink-process.ts, up to 4 processes). K load generators, each a process of its own with 16
// requests in flight. CPU is the sum over Sluice's primary and its workers (/proc), so spans per
// CPU-second compare N workers with one; idle RSS and PSS are read after start, before any load.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePorts } from '../test/e2e/harness.ts';
import { GATEWAY_CHAIN, startChainSluice, startSinkProcesses } from './support/chain-sluice.ts';
import { machine, treeCpuSeconds, treePssBytes, treeRssBytes } from './support/process-stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    rows: { type: 'string', default: 'pass,chain' },
    seconds: { type: 'string', default: '4' },
    loaders: { type: 'string' },
    'sampler-buffer': { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const COUNTS = values.workers.split(',').map(Number);
if (!COUNTS.includes(1)) COUNTS.unshift(1); // the denominator of every ratio
const ROWS = values.rows.split(',') as Array<'pass' | 'chain'>;
const SECONDS = Number(values.seconds);
const LOADERS = Number(values.loaders ?? Math.max(2, Math.min(8, Math.floor(availableParallelism() / 2))));
if (spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('scripts/build.mjs failed');

const CHAINS = { pass: ['batch'], chain: GATEWAY_CHAIN };
// The sink in processes of its own: at millions of spans a second one process would be the bottleneck.
const { port: sinkPort, close: closeSink } = await startSinkProcesses(Math.max(1, Math.min(4, Math.floor(availableParallelism() / 4))));

/** K load processes: warmed for a second, then all at once for SECONDS; resolves with the spans accepted. */
async function load(port: number, payload: string): Promise<{ loaders: ChildProcess[]; run: () => Promise<number> }> {
  const loaders = Array.from({ length: LOADERS }, (_, i) => fork(join(ROOT, 'benchmarks/support/load-process.ts'), [String(port), String(SECONDS), payload, '16', String(i)], { stdio: 'inherit' }));
  const next = (child: ChildProcess) => new Promise<unknown>((r) => child.once('message', r));
  await Promise.all(loaders.map(next));
  await Promise.all(loaders.map((l) => (l.send('warm'), next(l))));
  return {
    loaders,
    run: async () => {
      const done = loaders.map(next);
      for (const l of loaders) l.send('go');
      return (await Promise.all(done)).reduce((a: number, b) => a + (b as number), 0);
    },
  };
}

type Run = { spans: number; cpu: number; wall: number; peakRss: number; idleRss: number; idlePss: number };
const results = new Map<string, Run>();
for (const row of ROWS) {
  for (const workers of COUNTS) {
    const [port] = await freePorts(1);
    // The memory limit is the process's; workers divide it.
    const child = await startChainSluice({ chain: CHAINS[row], port, sinkPort, workers, limitMib: 4096, samplerBuffer: values['sampler-buffer'] });
    await new Promise((r) => setTimeout(r, 1_000));
    const idleRss = treeRssBytes(child.pid!);
    const idlePss = treePssBytes(child.pid!);
    const { run } = await load(port, 'clean');
    let peakRss = treeRssBytes(child.pid!);
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, treeRssBytes(child.pid!))), 200);
    const cpu0 = treeCpuSeconds(child.pid!);
    const t0 = performance.now();
    const spans = await run();
    await new Promise((r) => setTimeout(r, 400));
    const wall = (performance.now() - t0) / 1000;
    const cpu = treeCpuSeconds(child.pid!) - cpu0;
    clearInterval(rssTimer);
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    results.set(`${row}.${workers}`, { spans, cpu, wall, peakRss, idleRss, idlePss });
    console.error(`${row} workers=${workers}: ${Math.round(spans / cpu).toLocaleString('en')} spans/CPU-s, ${Math.round(spans / wall).toLocaleString('en')} spans/s, ${(cpu / wall).toFixed(2)} cores`);
  }
}
closeSink();

const k = (n: number) => `${Math.round(n / 1000).toLocaleString('en')}k`;
const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
const lines = [
  '| pipeline | workers | spans / CPU-s | vs 1 worker | wall spans/s | cores used | idle RSS (all) | per extra worker: RSS | PSS | peak RSS |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const row of ROWS) {
  const one = results.get(`${row}.1`)!;
  for (const workers of COUNTS) {
    const r = results.get(`${row}.${workers}`)!;
    const perExtra = (pick: (run: Run) => number) => (workers === 1 ? '' : mib((pick(r) - pick(one)) / (workers - 1)));
    lines.push(`| ${row === 'pass' ? '`batch`' : 'gateway chain'} | ${workers} | ${k(r.spans / r.cpu)} | ${((r.spans / r.cpu) / (one.spans / one.cpu)).toFixed(2)} | ${k(r.spans / r.wall)} | ${(r.cpu / r.wall).toFixed(2)} | ${mib(r.idleRss)} | ${perExtra((x) => x.idleRss)} | ${perExtra((x) => x.idlePss)} | ${mib(r.peakRss)} |`);
  }
}
const table = lines.join('\n');
console.log(table);
if (values.write) {
  appendFileSync(join(ROOT, 'benchmarks/RESULTS.md'), `\n## Workers (issue 19)\n${new Date().toISOString()} · ${machine()} · \`node benchmarks/workers.bench.ts --workers ${values.workers} --seconds ${SECONDS} --loaders ${LOADERS} --write\` · ${LOADERS} load-generator processes on the same machine.\n\n${table}\n`);
}
process.exit(0);
