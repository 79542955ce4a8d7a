// What filter, attributes, resource and transform add per span on a 100-span SDK request,
// decode and encode around them included, against the same batch passing through untouched.
// Targets: filter dropping health checks and attributes upserting one key ≤ 0.5 µs/span each;
// transform with three statements ≤ 2 µs/span.
//   node_modules/.bin/node benchmarks/ottl.bench.ts [--write]
import { appendFileSync } from 'node:fs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Batch } from '../src/core/batch.ts';
import { internalMetadata } from '../src/core/metadata.ts';
import { decodeRequest, encodeRequest, scanRequest } from '../src/otlp/protobuf.ts';
import { attributesConfigSchema, createAttributesEdit } from '../src/processors/attributes/index.ts';
import { createFilter, filterConfigSchema } from '../src/processors/filter/index.ts';
import { createResourceEdit, resourceConfigSchema } from '../src/processors/resource/index.ts';
import { createTransform, transformConfigSchema } from '../src/processors/transform/index.ts';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { machine } from './support/process-stats.ts';
import { bestCpuMicros } from './support/cpu.ts';

const SPANS = 100;
const ROUNDS = 3_000;
const clean = ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS))!;
// The same payload with one span in ten a health check.
const request = decodeRequest('traces', clean);
request.resourceSpans[0].scopeSpans[0].spans.forEach((span, i) => {
  if (i % 10 !== 0) return;
  span.name = 'GET /healthz';
  for (const kv of span.attributes) if (kv.key === 'http.route') kv.value = { stringValue: '/healthz' };
});
const withHealth = encodeRequest('traces', request);

const noErrors = { onError: (_s: string, e: Error) => { throw e; } };
const filter = createFilter(filterConfigSchema.parse({ error_mode: 'ignore', traces: { span: ['attributes["http.route"] == "/healthz"', 'attributes["http.route"] == "/readyz"'] } }), 'traces', noErrors);
const attributes = createAttributesEdit(attributesConfigSchema.parse({ actions: [{ key: 'deployment.environment', value: 'production', action: 'upsert' }] }), 'traces');
const resource = createResourceEdit(resourceConfigSchema.parse({ attributes: [{ key: 'deployment.environment', value: 'production', action: 'upsert' }] }), 'traces');
const transform = createTransform(
  transformConfigSchema.parse({
    trace_statements: [
      'set(span.attributes["deployment.environment"], "production")',
      'replace_pattern(span.attributes["url.path"], "/\\\\d+", "/{id}")',
      'delete_key(span.attributes, "client.address") where span.kind == SPAN_KIND_SERVER',
    ],
  }),
  'traces',
  noErrors,
);

const batchOf = (bytes: Uint8Array) => Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());

const cpuPerSpan = (round: () => unknown) => bestCpuMicros(round, ROUNDS, SPANS);

const baseline = cpuPerSpan(() => batchOf(clean).bytes());
const decodeEncode = cpuPerSpan(() => {
  const batch = batchOf(clean);
  batch.mutate();
  return batch.bytes();
});
const filterNone = cpuPerSpan(() => filter(batchOf(clean))?.bytes());
const filterSome = cpuPerSpan(() => filter(batchOf(withHealth))?.bytes());
const attributesUpsert = cpuPerSpan(() => {
  const batch = batchOf(clean);
  attributes(batch);
  return batch.bytes();
});
const resourceUpsert = cpuPerSpan(() => {
  const batch = batchOf(clean);
  resource(batch);
  return batch.bytes();
});
const transform3 = cpuPerSpan(() => {
  const batch = batchOf(clean);
  transform(batch);
  return batch.bytes();
});

const row = (name: string, value: number, target = '') => `| ${name} | ${value.toFixed(3)} | ${(value - baseline).toFixed(3)} | ${target} |`;
const table = [
  '| measure | CPU µs/span | added | target (added) |',
  '|---|---:|---:|---|',
  `| baseline: scan + batch + bytes out | ${baseline.toFixed(3)} | | |`,
  row('reference: decode + encode, no processor', decodeEncode),
  row('filter, 2 span conditions, nothing dropped (reads span bytes, keeps the request)', filterNone, '≤ 0.5'),
  row('filter, 2 span conditions, 1 span in 10 a health check dropped (bytes cut out)', filterSome, '≤ 0.5'),
  row('attributes, upsert one key (spliced into span bytes)', attributesUpsert, '≤ 0.5'),
  row('resource, upsert one key (resource bytes only)', resourceUpsert),
  row('transform, 3 span statements (set, replace_pattern, delete_key where kind: on span bytes)', transform3, '≤ 2'),
].join('\n');
console.log(table);
if (process.argv.includes('--write')) {
  appendFileSync(
    new URL('./RESULTS.md', import.meta.url),
    `\n## filter, attributes, resource, transform\n${new Date().toISOString()} · ${machine()} · machine shared with other jobs · \`node_modules/.bin/node benchmarks/ottl.bench.ts --write\` · 100-span SDK requests (typicalSpans: 10 attributes, 1 event each), best of 5 × ${ROUNDS} requests.\n\n${table}\n`,
  );
}
