// Sluice end to end on loopback, against the bare-server transport ceiling in the same run.
//   node benchmarks/pipeline.bench.ts [--seconds 6] [--only http|grpc] [--node-flags="…"] [--write]
//   node benchmarks/pipeline.bench.ts --sampling-wal [--seconds 8] [--rounds 2]
// --only runs one transport's rows (testbed load, then saturated) and skips the persistent-queue rows.
// --sampling-wal runs only the durable sampling chain (OTLP/HTTP → adaptive_sampling → batch with
// wait_for_result → otlphttp on file_storage), with the sampler's write-ahead log off and on in
// alternating rounds of the same run; every request carries 100 new trace ids.
// --node-flags replaces the Node/V8 flags bin/sluice.js starts Sluice with (--node-flags='' for none).
// Reports spans per Sluice CPU-second for OTLP/HTTP → otlphttp and OTLP/gRPC → otlp (batch only),
// the bare server's figure for the same transport, and, at the Collector testbed's load
// (10k spans/s in 100-span requests, for the testbed's 15 s on a fresh process, then 15 s more),
// Sluice's CPU share of one core and its peak RSS, next to the bare server's CPU at that load.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { decodeTraces, encodeTraces } from '../src/otlp/protobuf.ts';
import { freePorts } from '../test/e2e/harness.ts';
import { measure, paced as pacedRequests, saturate as saturateRequests } from './support/load.ts';
import { machine } from './support/process-stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, only: { type: 'string' }, 'node-flags': { type: 'string' }, write: { type: 'boolean', default: false }, 'sampling-wal': { type: 'boolean', default: false }, rounds: { type: 'string', default: '2' } } });
if (values.only !== undefined && values.only !== 'http' && values.only !== 'grpc') throw new Error('--only takes http or grpc');
if ((values.only !== undefined || values['node-flags'] !== undefined) && values.write) throw new Error('--write records the default run: leave out --only and --node-flags');
const SECONDS = Number(values.seconds);
// The Collector testbed's default test duration (TESTCASE_DURATION), for the 10k spans/s row.
const TESTBED_SECONDS = 15;
const SPANS_PER_REQUEST = 100;
const TRACE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (b: Buffer) => b;
// Sluice runs as npm start runs it: through bin/sluice.js, which adds its Node flags, on dist/,
// rebuilt here so the figures are for the current src/. --node-flags replaces those flags.
const LAUNCHER = join(ROOT, 'bin/sluice.js');
// undefined: the launcher's own flags; otherwise exactly these (SLUICE_NODE_FLAGS='' below).
const NODE_FLAGS = values['node-flags']?.split(/\s+/).filter(Boolean);
if (spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('scripts/build.mjs failed');

const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS_PER_REQUEST))!);

// ---- the backend the exporters send to: lives in this process, answers at once ----
let sinkSpans = 0;
const [sinkHttpPort, sinkGrpcPort] = await freePorts(2);
const sinkHttp = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((r) => sinkHttp.listen(sinkHttpPort, '127.0.0.1', r));
const sinkGrpc = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
sinkGrpc.addService(
  { Export: { path: TRACE_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
  { Export: (_c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => { sinkSpans++; cb(null, Buffer.alloc(0)); } },
);
await new Promise<void>((r, j) => sinkGrpc.bindAsync(`127.0.0.1:${sinkGrpcPort}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));

// ---- load generators ----
type Sender = () => Promise<void>;
const saturate = (send: Sender, seconds: number, concurrency = 16) => saturateRequests(send, seconds, SPANS_PER_REQUEST, concurrency);
const paced = (send: Sender, spansPerSecond: number, seconds: number) => pacedRequests(send, spansPerSecond, seconds, SPANS_PER_REQUEST);

/** Sends `nextBody()` (the same request by default) over keep-alive HTTP/1.1. */
function httpSender(port: number, nextBody: () => Buffer = () => body): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return () =>
    new Promise((resolveSend, reject) => {
      const payload = nextBody();
      const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': payload.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolveSend() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(payload);
    });
}

function grpcSender(port: number): Sender {
  const clients = Array.from({ length: 4 }, () => new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 16 * 1024 * 1024 }));
  let next = 0;
  return () =>
    new Promise((resolveSend, reject) => {
      const client = clients[next++ % clients.length];
      client.makeUnaryRequest(TRACE_PATH, identity, identity, body, (error) => (error ? reject(error) : resolveSend()));
    });
}

// ---- the processes under test ----
/** Starts Sluice through the launcher on a config; resolves once its health endpoint answers. */
async function launch(configPath: string, health: number): Promise<ChildProcess> {
  const env = NODE_FLAGS === undefined ? process.env : { ...process.env, SLUICE_NODE_FLAGS: '' };
  const child = spawn(process.execPath, [...(NODE_FLAGS ?? []), LAUNCHER, '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (;;) {
    // A Sluice that refuses its config exits: say why rather than wait for its health forever.
    if (child.exitCode !== null) throw new Error(`Sluice exited (${child.exitCode}) before it was healthy:\n${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).status === 200) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startBare(transport: 'http' | 'node-http' | 'grpc', port: number): Promise<ChildProcess> {
  const child = fork(join(ROOT, 'benchmarks/support/bare-server.ts'), [transport, String(port)], { stdio: 'ignore' });
  await new Promise((r) => child.once('message', r));
  return child;
}

async function startSluice(transport: 'http' | 'grpc', grpcPort: number, httpPort: number, fsync?: string): Promise<ChildProcess> {
  const [health] = await freePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const queue = fsync === undefined ? '' : ', sending_queue: { storage: file_storage, max_size: 1GiB }';
  const storage = fsync === undefined ? '' : `\n  file_storage: { directory: ${join(dir, 'queue')}, fsync: ${fsync} }`;
  // Only the protocol under test, as the Collector testbed's OTLP senders configure their receiver.
  const protocol = transport === 'http'
    ? `http: { endpoint: 127.0.0.1:${httpPort} }`
    : `grpc: { endpoint: 127.0.0.1:${grpcPort} }`;
  const exporter = transport === 'http'
    ? `otlphttp: { endpoint: http://127.0.0.1:${sinkHttpPort}, compression: none${queue} }`
    : `otlp: { endpoint: 127.0.0.1:${sinkGrpcPort}, tls: { insecure: true }, compression: none }`;
  writeFileSync(join(dir, 'bench.yaml'), `
receivers:
  otlp:
    protocols:
      ${protocol}
processors:
  batch: { timeout: 200ms, send_batch_size: 8192 }
exporters:
  ${exporter}
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }${storage}
service:
  workers: 1 # CPU and RSS are read from this one process
  extensions: [health_check${fsync === undefined ? '' : ', file_storage'}]
  telemetry: { metrics: { address: '' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [${transport === 'http' ? 'otlphttp' : 'otlp'}] }
`);
  return launch(join(dir, 'bench.yaml'), health);
}

/** The testbed load on a process that has had 1 s of it: its CPU and peak RSS. */
async function testbedLoad(child: ChildProcess, send: Sender): Promise<{ spans: number; cpu: number; wall: number; peakRss: number }> {
  await paced(send, 10_000, 1);
  return measure(child, () => paced(send, 10_000, TESTBED_SECONDS));
}

if (values['sampling-wal']) {
  await samplingWalRows();
  process.exit(0);
}

/** A request template whose 100 trace ids can be rewritten in place, so the sampler sees new traces every request. */
function freshTraceIdBodies(): () => Buffer {
  const req = decodeTraces(body);
  let k = 0;
  const marker = (i: number) => Buffer.from([0x5a, 0x5a, 0x5a, 0x5a, i >> 8, i & 255, 0xa5, 0xa5, 0x5a, 0x5a, 0x5a, 0x5a, i >> 8, i & 255, 0xa5, 0xa5]);
  for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) span.traceId = marker(k++);
  const template = Buffer.from(encodeTraces(req));
  const offsets: number[] = [];
  for (let i = 0; i < k; i++) offsets.push(template.indexOf(marker(i)));
  let counter = 0;
  return () => {
    const out = Buffer.from(template);
    for (let i = 0; i < offsets.length; i++) {
      counter++;
      // Random-looking low bytes: the sampler's randomness is the trace id's low 56 bits.
      out.writeUInt32BE(counter, offsets[i]);
      out.writeUInt32BE(Math.imul(counter, 0x9e3779b1) >>> 0, offsets[i] + 8);
      out.writeUInt32BE(Math.imul(counter ^ 0x5bd1e995, 0x85ebca6b) >>> 0, offsets[i] + 12);
    }
    return out;
  };
}

async function samplingWalRows(): Promise<void> {
  const nextBody = freshTraceIdBodies();
  const totals = { off: { spans: 0, cpu: 0, wall: 0, rss: 0 }, on: { spans: 0, cpu: 0, wall: 0, rss: 0 } };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const mode of ['off', 'on'] as const) {
      const [httpPort] = await freePorts(1);
      const sluice = await startSamplingChain(httpPort, mode === 'on');
      const send = httpSender(httpPort, nextBody);
      await saturate(send, 1);
      const run = await measure(sluice, () => saturate(send, SECONDS));
      sluice.kill('SIGTERM');
      const t = totals[mode];
      t.spans += run.spans;
      t.cpu += run.cpu;
      t.wall += run.wall;
      t.rss = Math.max(t.rss, run.peakRss);
      console.log(`round ${round + 1}, log ${mode}: ${Math.round(run.spans / run.cpu).toLocaleString('en')} spans/CPU-s, ${Math.round(run.spans / run.wall).toLocaleString('en')} spans/s`);
    }
  }
  const row = (label: string, t: typeof totals.off) =>
    `| ${label} | ${Math.round(t.spans / t.cpu).toLocaleString('en')} | ${(((t.spans / t.cpu) / (totals.off.spans / totals.off.cpu))).toFixed(2)} | ${Math.round(t.spans / t.wall).toLocaleString('en')} | ${((t.spans / t.wall) / (totals.off.spans / totals.off.wall)).toFixed(2)} | ${(t.rss / 1048576).toFixed(0)} MiB |`;
  console.log([
    '| adaptive_sampling write-ahead log | spans / Sluice CPU-s | vs off | spans/s (wall) | vs off | peak RSS |',
    '|---|---:|---:|---:|---:|---:|',
    row('off (exporter queue on disk only)', totals.off),
    row('on (`storage: file_storage`)', totals.on),
  ].join('\n'));
  await new Promise<void>((r) => sinkHttp.close(() => r()));
  sinkGrpc.forceShutdown();
}

/** The gateway's durable trace chain, reduced to the sampler: fsync 100ms, as gateway.yaml. */
async function startSamplingChain(httpPort: number, wal: boolean): Promise<ChildProcess> {
  const [health] = await freePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  writeFileSync(join(dir, 'bench.yaml'), `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${httpPort} } } }
processors:
  adaptive_sampling: { decision_wait: 5s, target_traces_per_second: 200${wal ? ', storage: file_storage' : ''} }
  batch: { timeout: 200ms, send_batch_size: 8192, wait_for_result: true }
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sinkHttpPort}, compression: none, sending_queue: { storage: file_storage, max_size: 1GiB } }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
  file_storage: { directory: ${join(dir, 'queue')}, fsync: 100ms }
service:
  workers: 1 # CPU and RSS are read from this one process
  extensions: [health_check, file_storage]
  telemetry: { metrics: { address: '' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [adaptive_sampling, batch], exporters: [otlphttp] }
`);
  return launch(join(dir, 'bench.yaml'), health);
}

const share = (run: { cpu: number; wall: number }) => `${((run.cpu / run.wall) * 100).toFixed(1)}%`;
const rows: string[] = [];
const notes: string[] = [];
const results: Record<string, number> = {};
for (const transport of values.only === undefined ? (['http', 'grpc'] as const) : [values.only as 'http' | 'grpc']) {
  const [grpcPort, httpPort, barePort] = await freePorts(3);
  const bare = await startBare(transport, barePort);
  const bareSend = transport === 'http' ? httpSender(barePort) : grpcSender(barePort);
  // The transport's own cost at the testbed load, on a fresh process like Sluice's below.
  const bareTestbed = await testbedLoad(bare, bareSend);
  await saturate(bareSend, 1); // warm up
  const bareRun = await measure(bare, () => saturate(bareSend, SECONDS));
  bare.kill();
  if (transport === 'http') {
    // What the HTTP/1.1 fast path saves: node:http's own cost at the same load.
    const [port] = await freePorts(1);
    const nodeHttp = await startBare('node-http', port);
    const run = await testbedLoad(nodeHttp, httpSender(port));
    nodeHttp.kill();
    notes.push(`A bare node:http server used ${share(run)} of a core at 10k spans/s in the same run (Sluice's HTTP/1.1 path, bare: ${share(bareTestbed)}).`);
  }

  const sluice = await startSluice(transport, grpcPort, httpPort);
  const send = transport === 'http' ? httpSender(httpPort) : grpcSender(grpcPort);
  // The testbed load runs first, on a fresh process, so its RSS is not the saturated run's heap;
  // the second window shows the same load once the JIT has had the first one to warm up.
  const testbed = await testbedLoad(sluice, send);
  const testbedWarm = await measure(sluice, () => paced(send, 10_000, TESTBED_SECONDS));
  await saturate(send, 1);
  const full = await measure(sluice, () => saturate(send, SECONDS));
  sluice.kill('SIGTERM');

  const label = transport === 'http' ? 'OTLP/HTTP → batch → otlphttp' : 'OTLP/gRPC → batch → otlp';
  const perCpu = full.spans / full.cpu;
  const barePerCpu = bareRun.spans / bareRun.cpu;
  results[`${transport}.perCpu`] = perCpu;
  results[`${transport}.perWall`] = full.spans / full.wall;
  rows.push(`| ${label} | ${Math.round(perCpu).toLocaleString('en')} | ${Math.round(barePerCpu).toLocaleString('en')} | ${(perCpu / barePerCpu).toFixed(2)} | ${Math.round(full.spans / full.wall).toLocaleString('en')} | ${share(testbed)} | ${share(testbedWarm)} | ${share(bareTestbed)} | ${(Math.max(testbed.peakRss, testbedWarm.peakRss) / 1048576).toFixed(0)} MiB |`);
}
// The same HTTP path with the exporter's queue on disk, per fsync policy.
const persistentRows: string[] = [];
for (const fsync of values.only === undefined ? ['never', '100ms', 'always'] : []) {
  const [grpcPort, httpPort] = await freePorts(2);
  const sluice = await startSluice('http', grpcPort, httpPort, fsync);
  const send = httpSender(httpPort);
  await saturate(send, 1);
  const run = await measure(sluice, () => saturate(send, SECONDS));
  sluice.kill('SIGTERM');
  const perCpu = run.spans / run.cpu;
  persistentRows.push(`| OTLP/HTTP → batch → otlphttp, file_storage fsync ${fsync} | ${Math.round(perCpu).toLocaleString('en')} | ${(perCpu / results['http.perCpu']).toFixed(2)} | ${Math.round(run.spans / run.wall).toLocaleString('en')} | ${((run.spans / run.wall) / results['http.perWall']).toFixed(2)} |`);
}
await new Promise<void>((r) => sinkHttp.close(() => r()));
sinkGrpc.forceShutdown();

const table = [
  `| path | spans / Sluice CPU-s (saturated) | bare server spans / CPU-s | ratio to ceiling | spans/s (wall) | CPU of one core at 10k spans/s, first ${TESTBED_SECONDS} s | next ${TESTBED_SECONDS} s | bare server at 10k spans/s | peak RSS at 10k spans/s |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows,
  ...(persistentRows.length === 0 ? [] : [
    '',
    '| persistent queue | spans / Sluice CPU-s | vs in-memory queue | spans/s (wall) | vs in-memory queue |',
    '|---|---:|---:|---:|---:|',
    ...persistentRows,
  ]),
  ...(notes.length === 0 ? [] : ['', ...notes]),
].join('\n');
console.log(table);
if (values.write) {
  appendFileSync(join(ROOT, 'benchmarks/RESULTS.md'), `\n## Pipeline end to end\n${new Date().toISOString()} · ${machine()} · \`node benchmarks/pipeline.bench.ts --seconds ${SECONDS} --write\` · 100-span SDK-serialised requests (472 B/span), 16 requests in flight; load generator and backend share the machine.\n\n${table}\n`);
}
process.exit(0);
