// adaptive_sampling at saturation, without the transport: the chain bench's requests (100 spans,
// 10 traces × 10 spans, new trace ids per request) fed straight into the sampler on a fake clock
// at 400k spans/s of fake time, with the gateway's settings (decision_wait 5s, target 200
// traces/s, the default 128 MiB buffer), so the buffer stays full and every trace is decided by
// buffer_full. Reports CPU per span, GC time (perf_hooks) and RSS: what the buffered traces cost
// the garbage collector, which the 50k spans/s micro-benchmark (sampling.bench.ts) never reaches.
//   node_modules/.bin/node --max-semi-space-size=4 --initial-old-space-size=40 benchmarks/sampling-saturation.bench.ts [--seconds 15] [--payload clean|pii]
// --payload feeds chain.bench.ts's own bodies (10 attributes per span, an HTTP status code, one
// error trace in twenty) instead of this file's smaller spans (4 attributes, no errors), from 16
// buffers rewritten in turn (the sampler copies what it keeps), so GC is the sampler's own.
// (the heap flags are bin/sluice.js's defaults, so the GC behaves as in the process.)
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bodies } from './support/trace-bodies.ts';
import { encodeTraces } from '../src/otlp/protobuf.ts';
import type { KeyValue, Span } from '../src/otlp/types.ts';
import { AdaptiveSampler, adaptiveSamplingConfigSchema } from '../src/processors/adaptive_sampling/index.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, payload: { type: 'string' } } });
const TICKS = Number(values.seconds) * 10;
const REQUESTS_PER_TICK = 400; // × 100 spans per 100 ms tick = 400k spans/s

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const id = (n: number, bytes: number) => { const b = new Uint8Array(bytes); new DataView(b.buffer).setUint32(bytes - 4, n); b[0] = 0x5a; return b; };
const MARK = 0xee;

/** The request template, every trace id 16 × MARK, and where those ids sit. */
function template(): { bytes: Uint8Array; offsets: number[] } {
  const spans: Span[] = [];
  for (let t = 0; t < 10; t++) {
    for (let s = 0; s < 10; s++) {
      spans.push({
        traceId: new Uint8Array(16).fill(MARK), spanId: id(t * 10 + s + 1, 8), traceState: '', parentSpanId: s === 0 ? new Uint8Array(0) : id(t * 10 + 1, 8), flags: 1,
        name: s === 0 ? 'GET /api/orders' : `SELECT payments ${s}`, kind: s === 0 ? 2 : 3, startTimeUnixNano: 1n, endTimeUnixNano: 900_001n,
        attributes: [str('http.method', 'GET'), str('http.url', `https://shop.example.com/api/orders?customer=c-00${s}42&page=2`), str('db.statement', `UPDATE payments SET state = 'settled-0000', note = 'batch run ${s} for region' WHERE id = 7`), str('component', 'checkout')],
        droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
      });
    }
  }
  const bytes = encodeTraces({ resourceSpans: [{ resource: { attributes: [str('service.name', 'checkout'), str('host.name', 'node-7')], droppedAttributesCount: 0, entityRefs: [] }, schemaUrl: '', scopeSpans: [{ scope: { name: 'bench', version: '1', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }] }] });
  const offsets: number[] = [];
  for (let i = 0; i + 16 <= bytes.length; i++) {
    let marked = true;
    for (let j = 0; j < 16 && marked; j++) marked = bytes[i + j] === MARK;
    if (marked) offsets.push(i), (i += 15);
  }
  if (offsets.length !== 100) throw new Error(`found ${offsets.length} trace ids in the template`);
  return { bytes, offsets };
}

const { bytes: tpl, offsets } = template();
let trace = 0;
const chainBody = values.payload === undefined ? null : bodies(values.payload === 'pii', 0, { reuse: 8 });
const nextRequest = chainBody ?? ownRequest;
function ownRequest(): Uint8Array {
  const out = Uint8Array.from(tpl);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < offsets.length; i++) {
    if (i % 10 === 0) trace++;
    // Random-looking low 56 bits, as the sampler's randomness is the trace id's.
    dv.setUint32(offsets[i], trace);
    dv.setUint32(offsets[i] + 4, Math.imul(trace, 0x9e3779b1) >>> 0);
    dv.setUint32(offsets[i] + 8, Math.imul(trace ^ 0x5bd1e995, 0x85ebca6b) >>> 0);
    dv.setUint32(offsets[i] + 12, Math.imul(trace, 0xcc9e2d51) >>> 0);
  }
  return out;
}

let now = 1_000_000;
let emitted = 0;
const sampler = new AdaptiveSampler(adaptiveSamplingConfigSchema.parse({ decision_wait: '5s', target_traces_per_second: 200 }), {
  now: () => now,
  emit: (_bytes, spanCount) => (emitted += spanCount),
});
let gcMs = 0;
let gcs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) (gcMs += e.duration), gcs++;
}).observe({ entryTypes: ['gc'] });

const cpu0 = process.cpuUsage();
let spans = 0;
let peakRss = 0;
let peakBuffer = 0;
for (let tick = 0; tick < TICKS; tick++) {
  for (let i = 0; i < REQUESTS_PER_TICK; i++) sampler.add(nextRequest(), { tenant: 'acme' });
  spans += REQUESTS_PER_TICK * 100;
  now += 100;
  sampler.tick();
  peakBuffer = Math.max(peakBuffer, sampler.bufferedBytes);
  if (tick % 10 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  // Let the GC observer's entries arrive.
  if (tick % 10 === 9) await new Promise((r) => setImmediate(r));
}
await new Promise((r) => setTimeout(r, 20));
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const st = sampler.stats();
const kept = Object.entries(st.traces).filter(([k]) => k.startsWith('kept')).reduce((a, [, n]) => a + n, 0);
const all = Object.values(st.traces).reduce((a, n) => a + n, 0);
console.log(`| spans | CPU s (incl. building requests) | µs/span | GC ms (${gcs} pauses) | GC share of CPU | traces kept | peak buffer | peak RSS |`);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(`| ${(spans / 1e6).toFixed(1)}M | ${cpuSeconds.toFixed(2)} | ${((cpuSeconds * 1e6) / spans).toFixed(2)} | ${Math.round(gcMs)} | ${((gcMs / 10 / cpuSeconds)).toFixed(1)}% | ${((kept / all) * 100).toFixed(1)}% | ${(peakBuffer / 1048576).toFixed(0)} MiB | ${(peakRss / 1048576).toFixed(0)} MiB |`);
