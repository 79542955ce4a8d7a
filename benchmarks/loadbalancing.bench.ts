// The load-balancing tier against Sluice's pass-through, in the same run.
//   node benchmarks/loadbalancing.bench.ts [--seconds 6] [--write]
// Both are a Sluice process with OTLP in (gRPC, then HTTP) and OTLP/gRPC out, with no processor
// and then with `batch` (as a tier would run):
// pass-through exports to one backend with `otlp`; the tier splits every request by trace id
// (read from the bytes, no span decoded) among three backends with `loadbalancing` (static
// resolver, a queue per backend). The backends live in this process and answer at once.
// Reports spans per Sluice CPU-second at saturation and the ratio (target ≥ 0.6), then the tier's
// CPU share and peak RSS at a steady 20k spans/s (the basis of deploy/kubernetes's requests).
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { freePorts, LAUNCHER, serviceYaml, startSluice, type RunningSluice } from '../test/e2e/harness.ts';
import { measure, paced, saturate, type Sender } from './support/load.ts';
import { machine } from './support/process-stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, write: { type: 'boolean', default: false } } });
const SECONDS = Number(values.seconds);
const SPANS_PER_REQUEST = 100;
const TRACE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (b: Buffer) => b;
if (spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('scripts/build.mjs failed');

// 100 spans of 100 different traces: every span is routed on its own, the tier's worst case.
const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS_PER_REQUEST))!);

const sinkPorts = await freePorts(3);
const sinks: grpc.Server[] = [];
for (const port of sinkPorts) {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  server.addService(
    { Export: { path: TRACE_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { Export: (_c: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)) },
  );
  await new Promise<void>((r, j) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
  sinks.push(server);
}

/** Sends until accepted: a refusal for load (a full queue) waits 20 ms and sends again, as a client would. */
function retrying(once: () => Promise<boolean>): Sender {
  return async () => {
    while (!(await once())) await new Promise((r) => setTimeout(r, 20));
  };
}
function grpcSender(port: number): Sender {
  const clients = Array.from({ length: 4 }, () => new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 16 * 1024 * 1024 }));
  let next = 0;
  return retrying(() => new Promise((ok, fail) => clients[next++ % clients.length].makeUnaryRequest(TRACE_PATH, identity, identity, body, (e) => {
    if (e === null) ok(true);
    else if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.RESOURCE_EXHAUSTED) ok(false);
    else fail(e);
  })));
}
function httpSender(port: number): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return retrying(() => new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? ok(true) : res.statusCode === 503 || res.statusCode === 429 ? ok(false) : fail(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end(body);
  }));
}

async function startTier(variant: 'passthrough' | 'loadbalancing', grpcPort: number, httpPort: number, batch: boolean): Promise<RunningSluice> {
  const [health, metrics] = await freePorts(2);
  const exporter = variant === 'passthrough'
    ? `otlp: { endpoint: 127.0.0.1:${sinkPorts[0]}, tls: { insecure: true }, compression: none }`
    : `loadbalancing: { protocol: { otlp: { tls: { insecure: true }, compression: none } }, resolver: { static: { hostnames: [${sinkPorts.map((p) => `127.0.0.1:${p}`).join(', ')}] } } }`;
  // Through the launcher, as npm start and the image run Sluice.
  return startSluice(`
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  batch: { timeout: 200ms, send_batch_size: 8192 }
exporters:
  ${exporter}
${serviceYaml({ health, metrics, logLevel: 'warn' })}
    traces: { receivers: [otlp], processors: [${batch ? 'batch' : ''}], exporters: [${variant === 'passthrough' ? 'otlp' : 'loadbalancing'}] }
`, { healthPort: health, entry: LAUNCHER });
}

const rows: string[] = [];
const steadyRows: string[] = [];
for (const [transport, batch] of [['grpc', false], ['grpc', true], ['http', false], ['http', true]] as const) {
  const perCpu: Record<string, number> = {};
  for (const variant of ['passthrough', 'loadbalancing'] as const) {
    const [grpcPort, httpPort] = await freePorts(2);
    const tier = await startTier(variant, grpcPort, httpPort, batch);
    const sluice = tier.process;
    const send = transport === 'grpc' ? grpcSender(grpcPort) : httpSender(httpPort);
    await saturate(send, 1, SPANS_PER_REQUEST);
    const run = await measure(sluice, () => saturate(send, SECONDS, SPANS_PER_REQUEST));
    perCpu[variant] = run.spans / run.cpu;
    if (variant === 'loadbalancing' && transport === 'grpc' && batch) {
      const steady = await measure(sluice, () => paced(send, 20_000, 10, SPANS_PER_REQUEST));
      steadyRows.push(`| OTLP/gRPC → batch → loadbalancing (3 backends) at 20k spans/s | ${((steady.cpu / steady.wall) * 100).toFixed(1)}% of a core | ${(steady.peakRss / 1048576).toFixed(0)} MiB peak RSS |`);
    }
    await tier.stop();
  }
  const label = `${transport === 'grpc' ? 'OTLP/gRPC in' : 'OTLP/HTTP in'}${batch ? ', batch' : ', no processor'}`;
  rows.push(`| ${label} | ${Math.round(perCpu.passthrough).toLocaleString('en')} | ${Math.round(perCpu.loadbalancing).toLocaleString('en')} | ${(perCpu.loadbalancing / perCpu.passthrough).toFixed(2)} |`);
}
for (const s of sinks) s.forceShutdown();

const table = [
  '| load | pass-through (otlp → 1 backend) spans / CPU-s | loadbalancing (→ 3 backends by trace id) spans / CPU-s | ratio (target ≥ 0.6) |',
  '|---|---:|---:|---:|',
  ...rows,
  '',
  '| steady load | CPU | memory |',
  '|---|---:|---:|',
  ...steadyRows,
].join('\n');
console.log(table);
if (values.write) {
  appendFileSync(join(ROOT, 'benchmarks/RESULTS.md'), `\n## Load-balancing tier\n${new Date().toISOString()} · ${machine()} · \`node_modules/.bin/node benchmarks/loadbalancing.bench.ts --seconds ${SECONDS} --write\` · 100-span SDK-serialised requests, 100 traces per request (every span routed on its own), 16 requests in flight, saturated for ${SECONDS} s after 1 s of warm-up; the load generator and the three backends run in the benchmark's process on the same machine, which is shared with other jobs.\n\n${table}\n`);
}
process.exit(0);
