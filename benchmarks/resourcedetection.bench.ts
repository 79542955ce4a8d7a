// What resourcedetection adds per span: detection happened at start, so per batch it only stamps
// resource bytes. Against the same batch passing through.
//   node_modules/.bin/node benchmarks/resourcedetection.bench.ts [--write]
import { appendFileSync } from 'node:fs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Batch } from '../src/core/batch.ts';
import { internalMetadata } from '../src/core/metadata.ts';
import { scanRequest } from '../src/otlp/protobuf.ts';
import { createStamp, detect, resourceDetectionConfigSchema } from '../src/processors/resourcedetection/index.ts';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { bestCpuMicros } from './support/cpu.ts';
import { machine } from './support/process-stats.ts';

const SPANS = 100;
const ROUNDS = 10_000;
const bytes = ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS))!;
const env = { K8S_NODE_NAME: 'node-7', K8S_POD_NAME: 'shop-5d9', K8S_POD_NAMESPACE: 'prod', K8S_POD_UID: '6c1d1e52-9d0e-4c1b-a0a5-2f1f8f0f9e11', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' };
const sources = { env, hostname: () => 'node-7.internal', platform: () => 'linux', arch: () => 'x64', readFile: () => undefined };
const { attributes } = detect(resourceDetectionConfigSchema.parse({ detectors: ['env', 'k8s', 'system'] }), sources);
const stamp = createStamp(attributes, true, 'traces');
const batchOf = () => Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());
const cpuPerSpan = (round: () => unknown) => bestCpuMicros(round, ROUNDS, SPANS);

const baseline = cpuPerSpan(() => batchOf().bytes());
const stamped = cpuPerSpan(() => {
  const batch = batchOf();
  stamp(batch);
  return batch.bytes();
});
const table = [
  '| measure | CPU µs/span |',
  '|---|---:|',
  `| baseline: scan + batch + bytes out | ${baseline.toFixed(3)} |`,
  `| with resourcedetection (${attributes.length} attributes: env, k8s, system; override) | ${stamped.toFixed(3)} |`,
  `| added | ${(stamped - baseline).toFixed(3)} |`,
].join('\n');
console.log(table);
if (process.argv.includes('--write')) {
  appendFileSync(new URL('./RESULTS.md', import.meta.url), `\n## Resource detection\n${new Date().toISOString()} · ${machine()} · machine shared with other jobs · \`node_modules/.bin/node benchmarks/resourcedetection.bench.ts --write\` · 100-span SDK requests (one resource), best of 5 × ${ROUNDS} requests. Detection runs once; per batch only the resource is decoded, stamped and spliced.\n\n${table}\n`);
}
