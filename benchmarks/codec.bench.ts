// Codec throughput on SDK-serialised traces: 100 spans per request, 10 attributes and 1 event per
// span. Baseline: JSON.parse of the same request's OTLP/JSON, in the same run.
// Run: node_modules/.bin/node benchmarks/codec.bench.ts
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  decodeJson,
  decodeTraces,
  encodeJson,
  encodeTraces,
  rewriteResources,
  scanRequest,
  type Resource,
} from '../src/otlp/index.ts';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';

const SPANS = 100;
const spans = await typicalSpans(SPANS);
const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
const decoded = decodeTraces(proto);
const addTenant = (r: Resource): Resource => ({
  ...r,
  attributes: [...r.attributes, { key: 'tenant.id', value: { stringValue: 'acme' } }],
});

let sink = 0;
const cases: [string, () => void][] = [
  ['JSON.parse (baseline)', () => (sink += (JSON.parse(json) as unknown[]).length | 0)],
  ['scanRequest', () => (sink += scanRequest('traces', proto))],
  ['decodeTraces', () => (sink += decodeTraces(proto).resourceSpans.length)],
  ['encodeTraces', () => (sink += encodeTraces(decoded).length)],
  ['decodeJson', () => (sink += decodeJson('traces', json).resourceSpans.length)],
  ['encodeJson', () => (sink += encodeJson('traces', decoded).length)],
  ['rewriteResources', () => (sink += rewriteResources('traces', proto, addTenant).length)],
];

function measure(fn: () => void): number {
  for (let i = 0; i < 300; i++) fn(); // warm up
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const iterations = 400;
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    const ns = Number(process.hrtime.bigint() - start);
    best = Math.min(best, ns / iterations / SPANS / 1000);
  }
  return best;
}

const baseline = measure(cases[0][1]);
const rows = [`| operation | µs/span | × JSON.parse |`, `|---|---:|---:|`];
for (const [name, fn] of cases) {
  const us = name === cases[0][0] ? baseline : measure(fn);
  rows.push(`| ${name} | ${us.toFixed(3)} | ${(us / baseline).toFixed(2)} |`);
}
console.log(`request: ${SPANS} spans, ${proto.length} B protobuf (${(proto.length / SPANS).toFixed(0)} B/span), ${json.length} B JSON`);
console.log(rows.join('\n'));
if (sink === 0.5) console.log(sink);
