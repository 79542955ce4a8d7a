// spanmetrics connector: CPU per span at steady state with 100k live series, on requests made from
// real SDK spans (8 attributes each, one configured dimension), against the receiver's
// scanRequest over the same bytes as the baseline in the same run; and heap bytes per series.
//
//   node_modules/.bin/node --expose-gc benchmarks/spanmetrics.bench.ts [--write]
import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { spanMetricsConfigSchema, SpanMetricsConnector } from '../src/connectors/spanmetrics/index.ts';
import { Batch } from '../src/core/batch.ts';
import { internalMetadata } from '../src/core/metadata.ts';
import { decodeTraces, encodeTraces, scanRequest } from '../src/otlp/protobuf.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const SERIES = 100_000;
const SPANS_PER_REQUEST = 100;
const ROUNDS = 5;

async function requests(): Promise<Uint8Array[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.version': '1.4.2', 'host.name': 'node-7' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const span = tracer.startSpan('template', {
      kind: i % 3 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
      startTime: 1_700_000_000_000 + i,
      attributes: {
        'http.request.method': i % 2 === 0 ? 'GET' : 'POST', 'http.route': '/x', 'url.path': `/x/${i}`, 'http.response.status_code': 200,
        'server.address': 'shop.example.com', 'user_agent.original': 'Mozilla/5.0', 'client.address': '10.1.2.3', 'user.tier': 'free',
      },
    }, ROOT_CONTEXT);
    span.end(1_700_000_000_000 + i + (i % 300));
  }
  await provider.forceFlush();
  const template = decodeTraces(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
  const out: Uint8Array[] = [];
  // Each span name is its own series (with its kind and method), so SERIES spans make SERIES series.
  for (let r = 0; r < SERIES / SPANS_PER_REQUEST; r++) {
    const spans = template.resourceSpans[0].scopeSpans[0].spans;
    for (let i = 0; i < spans.length; i++) spans[i].name = `GET /api/items/${r * SPANS_PER_REQUEST + i}`;
    out.push(encodeTraces(template));
  }
  return out;
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const bytes = await requests();
  const batches = bytes.map((b) => Batch.fromBytes('traces', b, SPANS_PER_REQUEST, internalMetadata()));
  const config = spanMetricsConfigSchema.parse({ dimensions: [{ name: 'http.request.method' }], aggregation_cardinality_limit: 0 });
  const connector = new SpanMetricsConnector(config, { consume: async () => {} }, { logger: pino({ level: 'silent' }) });
  gc!();
  const heapBefore = process.memoryUsage().heapUsed;
  for (const batch of batches) await connector.consume(batch); // creates every series
  gc!();
  const heapPerSeries = (process.memoryUsage().heapUsed - heapBefore) / connector.seriesCount;
  if (connector.seriesCount !== SERIES) throw new Error(`expected ${SERIES} series, got ${connector.seriesCount}`);

  const spans = SERIES * ROUNDS;
  let t = cpuMicros();
  for (let round = 0; round < ROUNDS; round++) for (const b of bytes) scanRequest('traces', b);
  const scanUs = (cpuMicros() - t) / spans;
  t = cpuMicros();
  for (let round = 0; round < ROUNDS; round++) for (const batch of batches) await connector.consume(batch);
  const connectorUs = (cpuMicros() - t) / spans;
  t = cpuMicros();
  await connector.flush();
  const flushMs = (cpuMicros() - t) / 1000;

  // The same with exponential buckets (max_size 160).
  const exponential = new SpanMetricsConnector(spanMetricsConfigSchema.parse({ dimensions: [{ name: 'http.request.method' }], aggregation_cardinality_limit: 0, histogram: { exponential: {} } }), { consume: async () => {} }, { logger: pino({ level: 'silent' }) });
  for (const batch of batches) await exponential.consume(batch);
  t = cpuMicros();
  for (let round = 0; round < ROUNDS; round++) for (const batch of batches) await exponential.consume(batch);
  const exponentialUs = (cpuMicros() - t) / spans;

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '',
    `## spanmetrics connector`,
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus().length} vCPU ${cpu}, Node ${process.version} · \`node_modules/.bin/node --expose-gc benchmarks/spanmetrics.bench.ts --write\` · machine shared with other jobs (other helpers' tests and builds) · ${SERIES.toLocaleString('en')} live series (each of 100k span names, with kind, status and one dimension), 100-span requests from the real SDK (8 attributes per span), ${ROUNDS} steady-state passes after the pass that creates the series.`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| spanmetrics, µs per span (target ≤ 1) | ${connectorUs.toFixed(3)} |`,
    `| the same with exponential buckets (max_size 160), µs per span | ${exponentialUs.toFixed(3)} |`,
    `| scanRequest over the same bytes (the receiver's validation), µs per span | ${scanUs.toFixed(3)} |`,
    `| ratio spanmetrics / scan | ${(connectorUs / scanUs).toFixed(2)} |`,
    `| heap per live series | ${Math.round(heapPerSeries)} B |`,
    `| one flush of ${SERIES.toLocaleString('en')} series into a metrics batch | ${flushMs.toFixed(0)} ms CPU |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (process.argv.includes('--write')) appendFileSync(new URL('RESULTS.md', import.meta.url), lines.join('\n') + '\n');
}

await main();
