// The gateway's processor chain end to end, each processor against `batch` only in the same run.
//   node benchmarks/chain.bench.ts [--seconds 4] [--rounds 1] [--only batch,redaction,…] [--payload clean|pii] [--unique-values] [--write] [--sluice-log FILE] [--pin-sluice CPUS]
// --rounds N runs every row N times, the rows in turn each round, and reports each row's median
// run (by spans per CPU-second): on a shared machine one busy spell then moves one run of a row,
// not the figure.
// --unique-values makes each span's URL and statement new in every request (support/trace-bodies.ts).
// --sluice-log appends each Sluice process's stdout and stderr to FILE (with SLUICE_NODE_FLAGS='… --trace-gc', its GC log).
// --pin-sluice runs each Sluice process on the given CPUs (taskset -c); run the bench itself on
// the others (taskset -c 1 node …) so a --cpu-prof of Sluice holds its own time only.
// OTLP/HTTP → [processors] → batch → otlphttp → a sink in this process, in-memory queue.
// Requests of 100 spans (10 traces × 10 spans), new trace ids in every request, one trace in
// twenty an error trace. Two payloads: clean values, and PII in every span (an email in a URL
// query, a card number and an email in a db.statement, a phone number).
// Rows: a bare HTTP server (the transport ceiling), batch only, each processor + batch, the
// full gateway chain. Reports spans per Sluice CPU-second, wall spans/s, CPU share of one core
// and peak RSS, and the ratio of spans per CPU-second to batch only for the same payload.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePorts } from '../test/e2e/harness.ts';
import { measure, saturate, type Sender } from './support/load.ts';
import { machine } from './support/process-stats.ts';
import { bodies, SPANS_PER_REQUEST } from './support/trace-bodies.ts';
import { GATEWAY_CHAIN, startChainSluice, startSink } from './support/chain-sluice.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ROWS = ['bare', 'batch', 'tenant', 'redaction', 'adaptive_sampling', 'memory_limiter', 'chain'] as const;
type Row = (typeof ROWS)[number];
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, only: { type: 'string' }, payload: { type: 'string' }, write: { type: 'boolean', default: false }, 'sluice-log': { type: 'string' }, 'pin-sluice': { type: 'string' }, 'unique-values': { type: 'boolean', default: false }, rounds: { type: 'string', default: '1' } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds: a whole number of at least 1');
const UNIQUE = values['unique-values'];
const SECONDS = Number(values.seconds);
const only = values.only === undefined ? [...ROWS] : values.only.split(',');
for (const r of only) if (!(ROWS as readonly string[]).includes(r)) throw new Error(`--only: unknown row ${r} (${ROWS.join(', ')})`);
// batch only is the denominator of every ratio, so it always runs.
const rows = ROWS.filter((r) => r === 'batch' || only.includes(r));
const payloads = values.payload === undefined ? (['clean', 'pii'] as const) : [values.payload as 'clean' | 'pii'];
if (values.write && (values.only !== undefined || values.payload !== undefined || UNIQUE)) throw new Error('--write records the default run: leave out --only, --payload and --unique-values');
if (spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('scripts/build.mjs failed');

const { port: sinkPort, server: sink } = await startSink();

function httpSender(port: number, nextBody: () => Buffer): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return () =>
    new Promise((resolveSend, reject) => {
      const payload = nextBody();
      const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': payload.length, 'x-scope-orgid': 'acme' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolveSend() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(payload);
    });
}

// ---- the processes under test ----
const CHAINS: Record<Exclude<Row, 'bare'>, string[]> = {
  batch: ['batch'],
  tenant: ['tenant', 'batch'],
  redaction: ['redaction', 'batch'],
  adaptive_sampling: ['adaptive_sampling', 'batch'],
  memory_limiter: ['memory_limiter', 'batch'],
  chain: GATEWAY_CHAIN,
};

/** A Sluice under test, with its self-metrics address when it has a sampler (see samplerBufferPeak). */
type Sluice = { child: ChildProcess; metrics: number | undefined };

async function startSluice(chain: string[], port: number): Promise<Sluice> {
  // Only rows with the sampler serve self-metrics: its buffer's peak bounds the RSS target.
  const metrics = chain.includes('adaptive_sampling') ? (await freePorts(1))[0] : undefined;
  const child = await startChainSluice({ chain, port, sinkPort, log: values['sluice-log'], metricsPort: metrics, pinCpus: values['pin-sluice'] });
  return { child, metrics };
}

async function startBare(port: number): Promise<Sluice> {
  const child = fork(join(ROOT, 'benchmarks/support/bare-server.ts'), ['http', String(port)], { stdio: 'ignore' });
  await new Promise((r) => child.once('message', r));
  return { child, metrics: undefined };
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

/**
 * Polls sluice_sampling_buffer_bytes every half second while `run` runs and returns the run's
 * result with the largest value seen (0 without a sampler). Its peak bounds the RSS target of
 * issue 18: peak RSS ≤ 1.5 × peak buffer + 150 MiB.
 */
async function samplerBufferPeak<T>(metrics: number | undefined, run: () => Promise<T>): Promise<[T, number]> {
  if (metrics === undefined) return [await run(), 0];
  let peak = 0;
  const poll = async () => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      let bytes = 0;
      for (const m of text.matchAll(/^sluice_sampling_buffer_bytes(?:\{[^}]*\})? (\S+)$/gm)) bytes += Number(m[1]);
      peak = Math.max(peak, bytes);
    } catch {}
  };
  const timer = setInterval(poll, 500);
  try {
    const result = await run();
    await poll();
    return [result, peak];
  } finally {
    clearInterval(timer);
  }
}

const LABELS: Record<Row, string> = {
  bare: 'bare HTTP/1.1 server (ceiling)',
  batch: '`batch`',
  tenant: '`tenant`, `batch`',
  redaction: '`redaction`, `batch`',
  adaptive_sampling: '`adaptive_sampling`, `batch`',
  memory_limiter: '`memory_limiter`, `batch`',
  chain: '`memory_limiter`, `tenant`, `redaction`, `adaptive_sampling`, `batch`',
};
type Run = { spans: number; cpu: number; wall: number; peakRss: number; bufferPeak: number };
const runs = new Map<string, Run[]>();
// Payload by payload, the rows one after another, so each ratio compares runs minutes apart at most.
for (const payload of payloads) {
  const nextBody = bodies(payload === 'pii', 0, { uniqueValues: UNIQUE });
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) {
      const [port] = await freePorts(1);
      const { child, metrics } = row === 'bare' ? await startBare(port) : await startSluice(CHAINS[row], port);
      const send = httpSender(port, nextBody);
      await saturate(send, 1, SPANS_PER_REQUEST); // warm up
      const [measured, bufferPeak] = await samplerBufferPeak(metrics, () => measure(child, () => saturate(send, SECONDS, SPANS_PER_REQUEST)));
      const run = { ...measured, bufferPeak };
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      const key = `${payload}.${row}`;
      runs.set(key, [...(runs.get(key) ?? []), run]);
      const rssBound = bufferPeak > 0 ? `, peak RSS ${mib(run.peakRss)} against 1.5 × buffer peak ${mib(bufferPeak)} + 150 MiB = ${mib(1.5 * bufferPeak + 150 * 1048576)}` : '';
      console.error(`${payload} ${row}${ROUNDS > 1 ? ` (round ${round + 1})` : ''}: ${Math.round(run.spans / run.cpu).toLocaleString('en')} spans/CPU-s${rssBound}`);
    }
  }
}
/** Each row's median run by spans per CPU-second (the lower middle one of an even count). */
const results = new Map<string, Run>();
for (const [key, list] of runs) {
  const sorted = [...list].sort((a, b) => a.spans / a.cpu - b.spans / b.cpu);
  results.set(key, sorted[(sorted.length - 1) >> 1]);
}
sink.close();

const k = (n: number) => `${Math.round(n / 1000).toLocaleString('en')}k`;
const cell = (payload: string, row: Row, f: (run: Run, batch: Run) => string) => {
  const run = results.get(`${payload}.${row}`);
  const batch = results.get(`${payload}.batch`)!;
  return run === undefined ? '' : f(run, batch);
};
const header = payloads.flatMap((p) => [`${p}: spans / CPU-s`, 'vs batch', 'spans/s', 'CPU', 'peak RSS', 'sampler buffer peak']);
const table = [
  `| pipeline | ${header.join(' | ')} |`,
  `|---|${header.map(() => '---:').join('|')}|`,
  ...rows.map((row) => `| ${LABELS[row]} | ${payloads.map((p) => [
    cell(p, row, (r) => k(r.spans / r.cpu)),
    cell(p, row, (r, b) => ((r.spans / r.cpu) / (b.spans / b.cpu)).toFixed(2)),
    cell(p, row, (r) => k(r.spans / r.wall)),
    cell(p, row, (r) => `${((r.cpu / r.wall) * 100).toFixed(0)}%`),
    cell(p, row, (r) => mib(r.peakRss)),
    cell(p, row, (r) => (r.bufferPeak > 0 ? mib(r.bufferPeak) : '')),
  ].join(' | ')).join(' | ')} |`),
].join('\n');
console.log(table);
if (values.write) {
  appendFileSync(join(ROOT, 'benchmarks/RESULTS.md'), `\n## Processor chain end to end\n${new Date().toISOString()} · ${machine()} · \`node benchmarks/chain.bench.ts --seconds ${SECONDS} --rounds ${ROUNDS} --write\` · 100-span requests (10 traces × 10 spans, new trace ids per request, 5% error traces), 16 requests in flight from one load-generator process; load generator and sink share the machine with Sluice.\n\n${table}\n`);
}
process.exit(0);
