// Same-process A/B of this checkout's OTLP codec against another checkout's (a git worktree of an
// older commit), for a machine too noisy for back-to-back runs: both codecs are loaded into one
// process and measured in alternating rounds, so a busy spell slows both alike. Prints, per
// operation, the median µs/span of each side and the median and spread of the per-round ratios.
// Run: node_modules/.bin/node benchmarks/support/codec-ab.ts /tmp/base-checkout [rounds]
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sdkLogs, sdkMetrics, typicalSpans } from '../../test/otlp/sdk-fixtures.ts';

type Codec = typeof import('../../src/otlp/index.ts');

const baseDir = process.argv[2];
if (baseDir === undefined) throw new Error('usage: codec-ab.ts BASE_CHECKOUT [rounds]');
const ROUNDS = Number(process.argv[3] ?? 15);
const base = (await import(pathToFileURL(resolve(baseDir, 'src/otlp/index.ts')).href)) as Codec;
const head = (await import('../../src/otlp/index.ts')) as Codec;

const SPANS = 100;
const spans = await typicalSpans(SPANS);
const traces = ProtobufTraceSerializer.serializeRequest(spans)!;
const tracesJson = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
const metrics = (await sdkMetrics('cumulative')).proto;
const logs = (await sdkLogs()).proto;

let sink = 0;
/** Operation name → (codec → one call), with the number of items one call handles. */
function operations(c: Codec): [string, number, () => void][] {
  const decodedTraces = c.decodeTraces(traces);
  const decodedMetrics = c.decodeMetrics(metrics);
  const decodedLogs = c.decodeLogs(logs);
  return [
    ['scanRequest traces', SPANS, () => (sink += c.scanRequest('traces', traces))],
    ['decodeTraces', SPANS, () => (sink += c.decodeTraces(traces).resourceSpans.length)],
    ['encodeTraces', SPANS, () => (sink += c.encodeTraces(decodedTraces).length)],
    ['decodeMetrics', c.countItems('metrics', decodedMetrics), () => (sink += c.decodeMetrics(metrics).resourceMetrics.length)],
    ['encodeMetrics', c.countItems('metrics', decodedMetrics), () => (sink += c.encodeMetrics(decodedMetrics).length)],
    ['decodeLogs', c.countItems('logs', decodedLogs), () => (sink += c.decodeLogs(logs).resourceLogs.length)],
    ['encodeLogs', c.countItems('logs', decodedLogs), () => (sink += c.encodeLogs(decodedLogs).length)],
    ['scanRequest metrics', c.countItems('metrics', decodedMetrics), () => (sink += c.scanRequest('metrics', metrics))],
    ['decodeJson traces', SPANS, () => (sink += c.decodeJson('traces', tracesJson).resourceSpans.length)],
    ['encodeJson traces', SPANS, () => (sink += c.encodeJson('traces', decodedTraces).length)],
  ];
}

/** Best of three 50-ms-ish bursts, in µs per item. */
function measure(fn: () => void, items: number): number {
  let best = Infinity;
  for (let burst = 0; burst < 3; burst++) {
    const iterations = 200;
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations / items / 1000);
  }
  return best;
}

const sides = { base: operations(base), head: operations(head) };
for (const ops of Object.values(sides)) for (const [, items, fn] of ops) measure(fn, items); // warm up

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = ['| operation | base µs/item (median) | head µs/item (median) | head/base per round: median (min–max) |', '|---|---:|---:|---:|'];
for (let op = 0; op < sides.base.length; op++) {
  const baseUs: number[] = [];
  const headUs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so neither always gets the quieter moment.
    const first = round % 2 === 0 ? 'base' : 'head';
    const a = measure(sides[first][op][2], sides[first][op][1]);
    const second = first === 'base' ? 'head' : 'base';
    const b = measure(sides[second][op][2], sides[second][op][1]);
    const [bu, hu] = first === 'base' ? [a, b] : [b, a];
    baseUs.push(bu);
    headUs.push(hu);
    ratios.push(hu / bu);
  }
  rows.push(
    `| ${sides.base[op][0]} | ${median(baseUs).toFixed(3)} | ${median(headUs).toFixed(3)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
  );
}
console.log(`${ROUNDS} alternating rounds; traces ${SPANS} spans (${traces.length} B); SDK metrics and logs fixtures`);
console.log(rows.join('\n'));
if (sink === 0.5) console.log(sink);
