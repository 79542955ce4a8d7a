// The gateway's processor chain end to end, each processor against `batch` only in the same run.
//   node benchmarks/chain.bench.ts [--seconds 4] [--only batch,redaction,…] [--payload clean|pii] [--write] [--sluice-log FILE] [--pin-sluice CPUS]
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
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeTraces } from '../src/otlp/protobuf.ts';
import type { ExportTraceServiceRequest, KeyValue, Span } from '../src/otlp/types.ts';
import { freePorts } from '../test/e2e/harness.ts';
import { measure, saturate, type Sender } from './support/load.ts';
import { machine } from './support/process-stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ROWS = ['bare', 'batch', 'tenant', 'redaction', 'adaptive_sampling', 'memory_limiter', 'chain'] as const;
type Row = (typeof ROWS)[number];
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, only: { type: 'string' }, payload: { type: 'string' }, write: { type: 'boolean', default: false }, 'sluice-log': { type: 'string' }, 'pin-sluice': { type: 'string' } } });
const SECONDS = Number(values.seconds);
const only = values.only === undefined ? [...ROWS] : values.only.split(',');
for (const r of only) if (!(ROWS as readonly string[]).includes(r)) throw new Error(`--only: unknown row ${r} (${ROWS.join(', ')})`);
// batch only is the denominator of every ratio, so it always runs.
const rows = ROWS.filter((r) => r === 'batch' || only.includes(r));
const payloads = values.payload === undefined ? (['clean', 'pii'] as const) : [values.payload as 'clean' | 'pii'];
if (values.write && (values.only !== undefined || values.payload !== undefined)) throw new Error('--write records the default run: leave out --only and --payload');
const SPANS_PER_REQUEST = 100;
const LAUNCHER = join(ROOT, 'bin/sluice.js');
if (spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('scripts/build.mjs failed');

// ---- request bodies ----
const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { intValue: BigInt(value) } });
const id = (n: number, bytes: number) => { const b = new Uint8Array(bytes); new DataView(b.buffer).setUint32(bytes - 4, n); b[0] = 0x5a; return b; };

function spanAttributes(pii: boolean, i: number): KeyValue[] {
  return [
    str('http.method', 'GET'),
    str('http.url', pii ? `https://shop.example.com/api/orders?email=jane.doe${i}@example.com&page=2` : `https://shop.example.com/api/orders?customer=c-00${i}42&page=2`),
    str('http.route', '/api/orders'),
    int('http.status_code', 200),
    str('db.system', 'postgresql'),
    str('db.statement', pii
      ? `UPDATE payments SET card = '4111 1111 1111 1111', email = 'john.smith${i}@example.org' WHERE id = 7`
      : `UPDATE payments SET state = 'settled-0000', note = 'batch run ${i} for region' WHERE id = 7`),
    str('user.phone', pii ? '+1 (555) 123-4567' : 'not-recorded-here'),
    str('net.peer.name', 'payments.internal'),
    int('thread.id', 17),
    str('component', 'checkout'),
  ];
}

/**
 * One request template (10 traces × 10 spans) with marker trace ids, and where each trace id sits,
 * so every request can get new trace ids by overwriting them in a copy. With `error`, the first
 * trace's spans carry status ERROR.
 */
function template(pii: boolean, error: boolean): { bytes: Buffer; offsets: number[] } {
  const spans: Span[] = [];
  const t0 = 1_764_800_000_000_000_000n;
  for (let t = 0; t < 10; t++) {
    for (let s = 0; s < 10; s++) {
      spans.push({
        traceId: id(0xa5a50000 + t, 16), spanId: id(t * 10 + s + 1, 8), traceState: '',
        parentSpanId: s === 0 ? new Uint8Array(0) : id(t * 10 + 1, 8), flags: 1,
        name: s === 0 ? 'GET /api/orders' : `SELECT payments ${s}`, kind: s === 0 ? 2 : 3,
        startTimeUnixNano: t0 + BigInt(s * 1000), endTimeUnixNano: t0 + BigInt(s * 1000 + 900_000),
        attributes: spanAttributes(pii, s), droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
        links: [], droppedLinksCount: 0, status: error && t === 0 ? { code: 2, message: 'boom' } : undefined,
      });
    }
  }
  const req: ExportTraceServiceRequest = {
    resourceSpans: [{
      resource: { attributes: [str('service.name', 'checkout'), str('host.name', 'node-7'), str('deployment.environment', 'prod')], droppedAttributesCount: 0, entityRefs: [] },
      scopeSpans: [{ scope: { name: 'bench', version: '1.0.0', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
      schemaUrl: '',
    }],
  };
  const bytes = Buffer.from(encodeTraces(req));
  const offsets: number[] = [];
  for (let t = 0; t < 10; t++) {
    const marker = Buffer.from(id(0xa5a50000 + t, 16));
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 16)) offsets.push(at);
  }
  if (offsets.length !== 100) throw new Error(`expected 100 trace ids in the template, found ${offsets.length}`);
  return { bytes, offsets };
}

/** Bodies with new, random-looking trace ids each time; every other request has one error trace of ten (5%). */
function bodies(pii: boolean): () => Buffer {
  const plain = template(pii, false);
  const failing = template(pii, true);
  let request = 0;
  let trace = 0;
  return () => {
    const { bytes, offsets } = request++ % 2 === 0 ? failing : plain;
    const out = Buffer.from(bytes);
    // Offsets come trace by trace, ten spans each: one new id per trace.
    for (let i = 0; i < offsets.length; i++) {
      if (i % 10 === 0) trace++;
      // The sampler's randomness is the trace id's low 56 bits: make them look random.
      out.writeUInt32BE(trace, offsets[i]);
      out.writeUInt32BE(Math.imul(trace, 0x9e3779b1) >>> 0, offsets[i] + 4);
      out.writeUInt32BE(Math.imul(trace ^ 0x5bd1e995, 0x85ebca6b) >>> 0, offsets[i] + 8);
      out.writeUInt32BE(Math.imul(trace, 0xcc9e2d51) >>> 0, offsets[i] + 12);
    }
    return out;
  };
}

// ---- the backend otlphttp sends to: lives in this process, answers at once ----
const [sinkPort] = await freePorts(1);
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));

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

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

// ---- the processes under test ----
// The gateway's processor settings (pipelines/gateway.yaml), with the sampler's buffer in memory
// and no tenant table (any well-formed tenant is accepted; the header names it).
const PROCESSORS: Record<string, string> = {
  memory_limiter: 'memory_limiter: { check_interval: 1s, limit_mib: 1024 }',
  tenant: 'tenant: {}',
  redaction: "redaction: { action: mask, detectors: { email: { action: hash } }, blocked_keys: [password, '*.secret', '*token*'] }",
  adaptive_sampling: 'adaptive_sampling: { decision_wait: 5s, target_traces_per_second: 200 }',
  batch: 'batch: { timeout: 200ms, send_batch_size: 8192 }',
};
const CHAINS: Record<Exclude<Row, 'bare'>, string[]> = {
  batch: ['batch'],
  tenant: ['tenant', 'batch'],
  redaction: ['redaction', 'batch'],
  adaptive_sampling: ['adaptive_sampling', 'batch'],
  memory_limiter: ['memory_limiter', 'batch'],
  chain: ['memory_limiter', 'tenant', 'redaction', 'adaptive_sampling', 'batch'],
};

/** A Sluice under test, with its self-metrics address when it has a sampler (see samplerBufferPeak). */
type Sluice = { child: ChildProcess; metrics: number | undefined };

async function startSluice(chain: string[], port: number): Promise<Sluice> {
  const [health, metricsPort] = await freePorts(2);
  // Only rows with the sampler serve self-metrics: its buffer's peak bounds the RSS target.
  const metrics = chain.includes('adaptive_sampling') ? metricsPort : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-chain-'));
  writeFileSync(join(dir, 'bench.yaml'), `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
processors:
${chain.map((p) => `  ${PROCESSORS[p]}`).join('\n')}
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkPort}, compression: none }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: '${metrics === undefined ? '' : `127.0.0.1:${metrics}`}' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [${chain.join(', ')}], exporters: [otlphttp] }
`);
  const log = values['sluice-log'] === undefined ? 'ignore' : openSync(values['sluice-log'], 'a');
  if (typeof log === 'number') appendFileSync(log, `=== ${chain.join(', ')}\n`);
  const command = [process.execPath, LAUNCHER, '--config', join(dir, 'bench.yaml')];
  if (values['pin-sluice'] !== undefined) command.unshift('taskset', '-c', values['pin-sluice']);
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', log, log], env: { ...process.env, SLUICE_REDACTION_KEY: 'chain-bench-key-0123456789abcdef' } });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).status === 200) return { child, metrics };
    } catch {}
    if (child.exitCode !== null) throw new Error(`sluice exited ${child.exitCode} on ${chain.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startBare(port: number): Promise<Sluice> {
  const child = fork(join(ROOT, 'benchmarks/support/bare-server.ts'), ['http', String(port)], { stdio: 'ignore' });
  await new Promise((r) => child.once('message', r));
  return { child, metrics: undefined };
}

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
const results = new Map<string, Run>();
// Payload by payload, the rows one after another, so each ratio compares runs minutes apart at most.
for (const payload of payloads) {
  const nextBody = bodies(payload === 'pii');
  for (const row of rows) {
    const [port] = await freePorts(1);
    const { child, metrics } = row === 'bare' ? await startBare(port) : await startSluice(CHAINS[row], port);
    const send = httpSender(port, nextBody);
    await saturate(send, 1, SPANS_PER_REQUEST); // warm up
    const [measured, bufferPeak] = await samplerBufferPeak(metrics, () => measure(child, () => saturate(send, SECONDS, SPANS_PER_REQUEST)));
    const run = { ...measured, bufferPeak };
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    results.set(`${payload}.${row}`, run);
    const rssBound = bufferPeak > 0 ? `, peak RSS ${mib(run.peakRss)} against 1.5 × buffer peak ${mib(bufferPeak)} + 150 MiB = ${mib(1.5 * bufferPeak + 150 * 1048576)}` : '';
    console.error(`${payload} ${row}: ${Math.round(run.spans / run.cpu).toLocaleString('en')} spans/CPU-s${rssBound}`);
  }
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
  appendFileSync(join(ROOT, 'benchmarks/RESULTS.md'), `\n## Processor chain end to end\n${new Date().toISOString()} · ${machine()} · \`node benchmarks/chain.bench.ts --seconds ${SECONDS} --write\` · 100-span requests (10 traces × 10 spans, new trace ids per request, 5% error traces), 16 requests in flight from one load-generator process; load generator and sink share the machine with Sluice.\n\n${table}\n`);
}
process.exit(0);
