// What probabilistic_sampler costs per span on the request bytes, against the same batch passing
// through, and against a full decode + encode (what stamping a decoded span would cost).
//   node_modules/.bin/node benchmarks/probabilistic.bench.ts [--write]
import { appendFileSync } from 'node:fs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Batch } from '../src/core/batch.ts';
import { internalMetadata } from '../src/core/metadata.ts';
import { decodeTraces, encodeTraces, scanRequest } from '../src/otlp/protobuf.ts';
import { probabilisticSamplerConfigSchema } from '../src/processors/probabilistic_sampler/index.ts';
import { createTraceSampler } from '../src/processors/probabilistic_sampler/traces.ts';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { bestCpuMicros } from './support/cpu.ts';
import { machine } from './support/process-stats.ts';

const SPANS = 100;
const ROUNDS = 5_000;
const bytes = ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS))!;
// The same spans with a tracestate from upstream, so every kept span takes the merge path.
const req = decodeTraces(bytes);
for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s.traceState = 'vendor=abc';
const withState = encodeTraces(req);

const cpuPerSpan = (round: () => unknown) => bestCpuMicros(round, ROUNDS, SPANS);

const batchOf = (b: Uint8Array) => Batch.fromBytes('traces', b, scanRequest('traces', b), internalMetadata());
const run = (config: Record<string, unknown>, input: Uint8Array) => {
  const s = createTraceSampler(probabilisticSamplerConfigSchema.parse(config));
  return cpuPerSpan(() => s.process(batchOf(input))?.bytes());
};

const baseline = cpuPerSpan(() => batchOf(bytes).bytes());
const rows: Array<[string, number]> = [
  ['10% proportional (most spans cut out)', run({ sampling_percentage: 10 }, bytes)],
  ['100% proportional (every span stamped: th + adjusted_count appended)', run({ sampling_percentage: 100 }, bytes)],
  ['25% hash_seed (th;rv per span, encoded per span)', run({ sampling_percentage: 25, hash_seed: 7 }, bytes)],
  ['100% with an upstream tracestate (every span merged)', run({ sampling_percentage: 100 }, withState)],
  ['reference: decode + encode the request', cpuPerSpan(() => encodeTraces(decodeTraces(batchOf(bytes).bytes())))],
];
const table = [
  '| measure | CPU µs/span | added to baseline |',
  '|---|---:|---:|',
  `| baseline: scan + batch + bytes out | ${baseline.toFixed(3)} | |`,
  ...rows.map(([name, v]) => `| ${name} | ${v.toFixed(3)} | ${(v - baseline).toFixed(3)} |`),
].join('\n');
console.log(table);
if (process.argv.includes('--write')) {
  appendFileSync(new URL('./RESULTS.md', import.meta.url), `\n## Probabilistic sampler\n${new Date().toISOString()} · ${machine()} · machine shared with other jobs · \`node_modules/.bin/node benchmarks/probabilistic.bench.ts --write\` · 100-span SDK requests, best of 5 × ${ROUNDS} requests. Spans are decided and stamped on the request bytes.\n\n${table}\n`);
}
