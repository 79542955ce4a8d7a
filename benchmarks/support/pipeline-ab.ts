// Same-run A/B of OTLP/HTTP pass-through (OTLP/HTTP → batch → otlphttp, pipeline.bench.ts's config)
// across checkouts (git worktrees of other commits, each with its own dist/ built), in alternating
// rounds, so a busy spell of a shared machine slows every side alike. Each round starts a fresh
// Sluice per checkout through its own bin/sluice.js: the testbed load (10k spans/s) for `--paced`
// seconds after 1 s of it, then saturation for `--seconds` after 1 s of warm-up.
//   node benchmarks/support/pipeline-ab.ts [--rounds 3] [--seconds 6] [--paced 15] [--sluice-flags '…'] DIR…
// --processor='tenant: {}' puts that processor before batch (requests carry X-Scope-OrgID: acme).
// --sluice-log=DIR writes each Sluice process's stdout and stderr to DIR/<round>-<n>.log (for --trace-gc).
// --sluice-flags is added to each Sluice process's Node flags (e.g. --cpu-prof --cpu-prof-dir=/tmp/p);
// each checkout's dist/ is used as it is (build it first).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { typicalSpans } from '../../test/otlp/sdk-fixtures.ts';
import { freePorts } from '../../test/e2e/harness.ts';
import { measure, paced, saturate, type Sender } from './load.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '6' }, paced: { type: 'string', default: '15' }, 'sluice-flags': { type: 'string', default: '' }, 'sluice-log': { type: 'string' }, processor: { type: 'string' } },
});
const DIRS = positionals.map((dir) => resolve(dir));
if (DIRS.length === 0) throw new Error('usage: pipeline-ab.ts [--rounds N] [--seconds S] [--paced S] DIR…');
const SPANS = 100;
const extra = values.processor;
const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS))!);

const [sinkPort] = await freePorts(1);
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));

function sender(port: number): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return () =>
    new Promise((done, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length, 'x-scope-orgid': 'acme' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? done() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
}

async function start(dir: string, port: number, log: string | undefined): Promise<ChildProcess> {
  const [health] = await freePorts(1);
  const tmp = mkdtempSync(join(tmpdir(), 'sluice-ab-'));
  writeFileSync(join(tmp, 'bench.yaml'), `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
processors:
  batch: { timeout: 200ms, send_batch_size: 8192 }${extra === undefined ? '' : `\n  ${extra}`}
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort}, compression: none }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  workers: 1 # CPU and RSS are read from this one process (checkouts from before service.workers refuse the key)
  extensions: [health_check]
  telemetry: { metrics: { address: '' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [${extra === undefined ? '' : `${extra.split(':')[0]}, `}batch], exporters: [otlphttp] }
`);
  const flags = values['sluice-flags'].split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...flags, join(dir, 'bin/sluice.js'), '--config', join(tmp, 'bench.yaml')], { stdio: log === undefined ? 'ignore' : ['ignore', ...Array(2).fill(openSync(log, 'w'))] });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).status === 200) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Row = { perCpu: number; pacedCpu: number; rss: number };
const results = new Map<string, Row[]>(DIRS.map((dir) => [dir, []]));
for (let round = 0; round < Number(values.rounds); round++) {
  // Alternate the order too, so no side always runs first in a round.
  const order = round % 2 === 0 ? DIRS : [...DIRS].reverse();
  for (const dir of order) {
    const [port] = await freePorts(1);
    const logDir = values['sluice-log'];
    if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
    const child = await start(dir, port, logDir === undefined ? undefined : join(logDir, `${round + 1}-${DIRS.indexOf(dir) + 1}.log`));
    const send = sender(port);
    let pacedCpu = NaN;
    let rss = 0;
    if (Number(values.paced) > 0) {
      await paced(send, 10_000, 1, SPANS);
      const run = await measure(child, () => paced(send, 10_000, Number(values.paced), SPANS));
      pacedCpu = run.cpu / run.wall;
      rss = run.peakRss;
    }
    let full = { spans: NaN, cpu: 1 };
    if (Number(values.seconds) > 0) {
      await saturate(send, 1, SPANS);
      full = await measure(child, () => saturate(send, Number(values.seconds), SPANS));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const row = { perCpu: full.spans / full.cpu, pacedCpu, rss };
    results.get(dir)!.push(row);
    console.log(`round ${round + 1} ${dir}: ${Math.round(row.perCpu).toLocaleString('en')} spans/CPU-s saturated, ${(pacedCpu * 100).toFixed(1)}% at 10k spans/s, ${(rss / 1048576).toFixed(0)} MiB`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| checkout | saturated spans / CPU-s (each run) | median | CPU at 10k spans/s (each run) | peak RSS |');
console.log('|---|---|---:|---|---:|');
for (const [dir, rows] of results) {
  console.log(`| ${dir} | ${rows.map((r) => `${Math.round(r.perCpu / 1000)}k`).join(', ')} | ${Math.round(median(rows.map((r) => r.perCpu)) / 1000)}k | ${rows.map((r) => `${(r.pacedCpu * 100).toFixed(1)}%`).join(', ')} | ${Math.max(...rows.map((r) => r.rss / 1048576)).toFixed(0)} MiB |`);
}
sink.close();
process.exit(0);
