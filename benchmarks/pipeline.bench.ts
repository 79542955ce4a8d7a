// Sluice end to end on loopback, against the bare-server transport ceiling in the same run.
//   node benchmarks/pipeline.bench.ts [--seconds 6] [--only http|grpc] [--node-flags="…"] [--write]
// --only runs one transport's rows (testbed load, then saturated) and skips the persistent-queue rows.
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
import { freePorts } from '../test/e2e/harness.ts';
import { measure, paced as pacedRequests, saturate as saturateRequests } from './support/load.ts';
import { machine } from './support/process-stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, only: { type: 'string' }, 'node-flags': { type: 'string' }, write: { type: 'boolean', default: false } } });
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

function httpSender(port: number): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return () =>
    new Promise((resolveSend, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolveSend() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
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
    : `grpc: { endpoint: 127.0.0.1:${grpcPort}, max_recv_msg_size_mib: 64 }`;
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
  extensions: [health_check${fsync === undefined ? '' : ', file_storage'}]
  telemetry: { metrics: { address: '' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [${transport === 'http' ? 'otlphttp' : 'otlp'}] }
`);
  const env = NODE_FLAGS === undefined ? process.env : { ...process.env, SLUICE_NODE_FLAGS: '' };
  const child = spawn(process.execPath, [...(NODE_FLAGS ?? []), LAUNCHER, '--config', join(dir, 'bench.yaml')], { stdio: 'ignore', env });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).status === 200) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The testbed load on a process that has had 1 s of it: its CPU and peak RSS. */
async function testbedLoad(child: ChildProcess, send: Sender): Promise<{ spans: number; cpu: number; wall: number; peakRss: number }> {
  await paced(send, 10_000, 1);
  return measure(child, () => paced(send, 10_000, TESTBED_SECONDS));
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
