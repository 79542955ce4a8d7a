// What the ingest lag histogram and the exporter's heartbeat check cost per batch, against the
// receiver's own scan of the same request (the baseline every batch pays anyway).
//   node_modules/.bin/node benchmarks/latency.bench.ts [--write]
import { appendFileSync } from 'node:fs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Batch } from '../src/core/batch.ts';
import { heartbeatBoard, Lane } from '../src/core/heartbeat.ts';
import { IngestLagRecorder, tenantLabeller } from '../src/core/latency.ts';
import { internalMetadata } from '../src/core/metadata.ts';
import { Telemetry } from '../src/core/telemetry.ts';
import { scanRequest } from '../src/otlp/protobuf.ts';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { machine } from './support/process-stats.ts';

const SPANS = 100;
const ROUNDS = 50_000;
const bytes = ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS))!;
const metadata = { ...internalMetadata('acme'), receivedAt: Date.now() };
const telemetry = new Telemetry();
const recorder = new IngestLagRecorder(telemetry, 'traces', tenantLabeller());
const batch = Batch.fromBytes('traces', bytes, SPANS, metadata);

/** CPU µs per batch of `round`, best of 5 runs. */
function cpuPerBatch(round: () => unknown): number {
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) round();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / ROUNDS);
  }
  return best;
}

const scan = cpuPerBatch(() => scanRequest('traces', bytes));
// A fresh batch object each time (the recorder measures a batch once), over the same bytes.
const lag = cpuPerBatch(() => recorder.record(Batch.fromBytes('traces', bytes, SPANS, metadata))) - cpuPerBatch(() => Batch.fromBytes('traces', bytes, SPANS, metadata));
// A beat is due at this exporter but not in this batch: the search an exporter does while a beat is pending.
const tap = heartbeatBoard(telemetry).tap('traces', 'otlphttp');
tap.expect({ pipeline: 'traces', signal: 'traces', marker: Buffer.from('0123456789abcdef0123456789abcdef'), emittedAt: 0, items: 1, forward: false }, new Lane(telemetry, 'traces', 'otlphttp', 0));
const search = cpuPerBatch(() => tap.arrive(batch));
const idle = cpuPerBatch(() => (tap.pending !== 0 ? 1 : 0));

const table = [
  `| per ${SPANS}-span request (${bytes.length} B) | CPU µs | µs per span |`,
  '|---|---:|---:|',
  `| baseline: the receiver's scan | ${scan.toFixed(2)} | ${(scan / SPANS).toFixed(4)} |`,
  `| ingest lag: time walk + histogram observe | ${lag.toFixed(2)} | ${(lag / SPANS).toFixed(4)} |`,
  `| heartbeat due, not in this batch: marker search | ${search.toFixed(2)} | ${(search / SPANS).toFixed(4)} |`,
  `| no heartbeat due: the check | ${idle.toFixed(3)} | — |`,
].join('\n');
console.log(table);
if (process.argv.includes('--write')) {
  appendFileSync(new URL('./RESULTS.md', import.meta.url), `\n## Latency histograms and heartbeat check\n${new Date().toISOString()} · ${machine()} · \`node_modules/.bin/node benchmarks/latency.bench.ts --write\` · 100-span SDK requests, one resource and scope, best of 5 × ${ROUNDS}. Lag is read from the first span of each scope group, so its cost grows with groups, not spans.\n\n${table}\n`);
}
