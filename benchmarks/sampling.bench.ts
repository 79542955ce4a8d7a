// adaptive_sampling: CPU per span through the sampler (add + decisions + emit) at a 50k
// spans/s-shaped load of 10-span traces on a fake clock, fed the encoded requests the pipeline
// hands it, against the receiver's scanRequest over the same bytes as the baseline in the same
// run; and heap bytes per buffered span against the span's encoded size.
//
//   node_modules/.bin/node --expose-gc benchmarks/sampling.bench.ts
import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { decodeTraces, encodeSpan, encodeTraces, scanRequest } from '../src/otlp/protobuf.ts';
import { ProtoReader } from '../src/otlp/proto/reader.ts';
import type { ExportTraceServiceRequest, Span } from '../src/otlp/types.ts';
import { AdaptiveSampler, adaptiveSamplingConfigSchema } from '../src/processors/adaptive_sampling/index.ts';

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (exposedGc === undefined) throw new Error('run with --expose-gc');
const gc: () => void = exposedGc;

const TRACES_PER_TICK = 500; // 100 ms ticks: 5,000 traces/s of 10 spans = 50k spans/s
const POOL_TRACES = 2000;

/** A pool of realistic traces (root + 9 children, ~8 attributes each) from the real SDK. */
async function buildPool(): Promise<Span[][]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.version': '1.4.2', 'host.name': 'node-7' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  const routes = ['GET /home', 'GET /search', 'POST /cart', 'GET /product/{id}', 'POST /checkout'];
  for (let i = 0; i < POOL_TRACES; i++) {
    const t0 = 1_700_000_000_000 + i;
    const root = tracer.startSpan(routes[i % routes.length], {
      kind: SpanKind.SERVER,
      startTime: t0,
      attributes: {
        'http.request.method': 'GET', 'http.route': '/x', 'url.path': '/x/' + i, 'http.response.status_code': i % 97 === 0 ? 503 : 200,
        'server.address': 'shop.example.com', 'user_agent.original': 'Mozilla/5.0', 'client.address': '10.1.2.3', 'user.tier': 'free',
      },
    }, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let c = 0; c < 9; c++) {
      const child = tracer.startSpan('SELECT shop.items', {
        kind: SpanKind.CLIENT,
        startTime: t0 + c,
        attributes: {
          'db.system': 'postgresql', 'db.namespace': 'shop', 'db.operation.name': 'SELECT', 'db.collection.name': 'items',
          'server.address': 'db.internal', 'server.port': 5432, 'db.query.text': 'SELECT * FROM items WHERE id = $1', 'row.count': c,
        },
      }, ctx);
      if (c === 4) child.addEvent('cache.miss', { key: 'item:' + i });
      child.end(t0 + c + 2);
    }
    root.end(t0 + 20 + (i % 300));
  }
  await provider.forceFlush();
  const req = decodeTraces(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
  const byTrace = new Map<string, Span[]>();
  for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    const k = Buffer.from(s.traceId).toString('hex');
    let l = byTrace.get(k);
    if (l === undefined) byTrace.set(k, (l = []));
    l.push(s);
  }
  poolResource = req.resourceSpans[0].resource;
  poolScope = req.resourceSpans[0].scopeSpans[0].scope;
  return [...byTrace.values()];
}

let poolResource: ExportTraceServiceRequest['resourceSpans'][0]['resource'];
let poolScope: ExportTraceServiceRequest['resourceSpans'][0]['scopeSpans'][0]['scope'];
let idCounter = 1;

/** An encoded request of consecutive pool traces, with the byte offset of every span's trace id. */
interface RequestTemplate {
  bytes: Uint8Array;
  /** Per trace, the offsets of its spans' trace ids. */
  traceIdOffsets: number[][];
  spans: number;
}

function template(pool: Span[][], start: number, count: number): RequestTemplate {
  const spans: Span[] = [];
  for (let i = 0; i < count; i++) spans.push(...pool[(start + i) % pool.length]);
  const req: ExportTraceServiceRequest = {
    resourceSpans: [{ resource: poolResource, scopeSpans: [{ scope: poolScope, spans, schemaUrl: '' }], schemaUrl: '' }],
  };
  const bytes = encodeTraces(req);
  const byId = new Map<string, number[]>();
  // request{1: ResourceSpans{2: ScopeSpans{2: Span{1: trace_id}}}}
  const r = new ProtoReader(bytes);
  const walk = (end: number, path: number[], depth: number): void => {
    while (r.pos < end) {
      const t = r.tag(end);
      if (depth < 3 && t === ((path[depth] << 3) | 2)) {
        const stop = r.sub(end);
        walk(stop, path, depth + 1);
        r.pos = stop;
      } else if (depth === 3 && t === 10) {
        const n = r.length(end);
        const key = Buffer.from(bytes.subarray(r.pos, r.pos + n)).toString('hex');
        let list = byId.get(key);
        if (list === undefined) byId.set(key, (list = []));
        list.push(r.pos);
        r.pos += n;
      } else r.skip(t, end);
    }
  };
  walk(bytes.length, [1, 2, 2], 0);
  return { bytes, traceIdOffsets: [...byId.values()], spans: spans.length };
}

/** Gives the template's traces fresh trace ids, in place, and returns its bytes. */
function nextRequest(t: RequestTemplate): Uint8Array {
  const b = t.bytes;
  for (const offsets of t.traceIdOffsets) {
    const id = idCounter++;
    // The sampler's randomness is the id's low 56 bits (the OpenTelemetry rule): they must change
    // too, or the pool's 2,000 ids would be the only random values the run ever samples by.
    const hi = Math.imul(id, 0x9e3779b1) >>> 0;
    const lo = Math.imul(id ^ 0x5bd1e995, 0x85ebca6b) >>> 0;
    for (const o of offsets) {
      b[o] = id & 255; b[o + 1] = (id >>> 8) & 255; b[o + 2] = (id >>> 16) & 255; b[o + 3] = (id >>> 24) & 255;
      b[o + 8] = hi >>> 24; b[o + 9] = (hi >>> 16) & 255; b[o + 10] = (hi >>> 8) & 255; b[o + 11] = hi & 255;
      b[o + 12] = lo >>> 24; b[o + 13] = (lo >>> 16) & 255; b[o + 14] = (lo >>> 8) & 255; b[o + 15] = lo & 255;
    }
  }
  return b;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const pool = await buildPool();
  let encodedTotal = 0;
  let spanTotal = 0;
  for (const t of pool) for (const s of t) { encodedTotal += encodeSpan(s).length; spanTotal++; }
  const meanEncoded = encodedTotal / spanTotal;

  // Four requests per tick, as agents batch: 125 traces (1,250 spans) each.
  const perRequest = TRACES_PER_TICK / 4;
  const templates: RequestTemplate[] = [];
  for (let start = 0; start < pool.length; start += perRequest) templates.push(template(pool, start, perRequest));
  const simulatedSeconds = 30;
  const ticks = simulatedSeconds * 10;

  // ---- baseline: the receiver's scanRequest over the same requests ----
  let c0 = cpuMicros();
  let n = 0;
  for (let k = 0; k < ticks * 4; k++) {
    const t = templates[k % templates.length];
    n += scanRequest('traces', nextRequest(t));
  }
  const baselineUs = (cpuMicros() - c0) / n;

  // ---- sampler at 50k spans/s, defaults except the target ----
  let now = 0;
  let emittedSpans = 0;
  const sampler = new AdaptiveSampler(adaptiveSamplingConfigSchema.parse({ target_traces_per_second: 100 }), {
    now: () => now,
    emit: (_bytes, spanCount) => { emittedSpans += spanCount; },
  });
  gc();
  c0 = cpuMicros();
  const w0 = performance.now();
  n = 0;
  let peakBuffered = 0;
  for (let k = 0; k < ticks; k++) {
    for (let q = 0; q < 4; q++) {
      const t = templates[(k * 4 + q) % templates.length];
      n += t.spans;
      sampler.add(nextRequest(t), null);
    }
    now += 100;
    sampler.tick();
    if (sampler.stats().bufferedBytes > peakBuffered) peakBuffered = sampler.stats().bufferedBytes;
  }
  now += 6000;
  sampler.tick();
  const samplerUs = (cpuMicros() - c0) / n;
  const wallUs = ((performance.now() - w0) * 1000) / n;
  const st = sampler.stats();

  // ---- heap per buffered span: buffer 200k spans with no decisions ----
  const holder = new AdaptiveSampler(
    adaptiveSamplingConfigSchema.parse({ decision_wait: '1h', trace_timeout: '1h', max_buffer_bytes: '1GiB' }),
    { now: () => 0, emit: () => {} },
  );
  const bufferedTarget = 200_000;
  gc();
  gc();
  const m0 = process.memoryUsage();
  let buffered = 0;
  for (let k = 0; buffered < bufferedTarget; k++) {
    const t = templates[k % templates.length];
    buffered += t.spans;
    holder.add(nextRequest(t), null);
  }
  gc();
  gc();
  const m1 = process.memoryUsage();
  const heapPerSpan = (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / buffered;
  const accountedPerSpan = holder.stats().bufferedBytes / buffered;

  const rows: Array<[string, string]> = [
    ['spans through the sampler', String(n)],
    ['mean encoded span size, bytes', meanEncoded.toFixed(0)],
    ['sampler CPU µs/span (add + decide + emit)', samplerUs.toFixed(2)],
    ['sampler wall µs/span', wallUs.toFixed(2)],
    ['baseline: scanRequest (the receiver) over the same requests, CPU µs/span', baselineUs.toFixed(2)],
    ['ratio sampler / scanRequest', (samplerUs / baselineUs).toFixed(2)],
    ['kept traces / s (target 100)', (Object.entries(st.traces).filter(([k]) => k.startsWith('kept:')).reduce((a, [, v]) => a + v, 0) / simulatedSeconds).toFixed(1)],
    ['spans emitted', String(emittedSpans)],
    ['peak buffered bytes (accounting) at 50k spans/s, 5 s wait', String(peakBuffered)],
    ['heap bytes / buffered span (heap + array buffers, --expose-gc)', heapPerSpan.toFixed(0)],
    ['ratio heap / encoded size', (heapPerSpan / meanEncoded).toFixed(2)],
    ['accounted bufferedBytes / span', accountedPerSpan.toFixed(0)],
  ];
  const header = `\n## Adaptive sampling\n${new Date().toISOString()} · ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version} · \`node_modules/.bin/node --expose-gc benchmarks/sampling.bench.ts\` (10-span SDK traces, ~8 attributes per span, in encoded 1,250-span requests, 5,000 traces/s on a fake clock for ${simulatedSeconds} s)\n\n| measure | value |\n|---|---:|\n`;
  const table = rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n') + '\n';
  process.stdout.write(header + table);
  if (!process.argv.includes('--no-write')) appendFileSync(new URL('./RESULTS.md', import.meta.url), header + table);
}

await main();
