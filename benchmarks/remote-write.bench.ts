// prometheusremotewrite hot path: OTLP → series conversion, WriteRequest encoding, snappy.
// The encoder (protobufjs's Writer) writing one request is the baseline for the same batch split
// into 64 KiB requests, whose overflowing series are cut off and copied. Run:
//   node benchmarks/remote-write.bench.ts
import type { ExportMetricsServiceRequest, KeyValue, Metric } from '../src/otlp/types.ts';
import { AggregationTemporality } from '../src/otlp/types.ts';
import { prometheusRemoteWriteConfigSchema } from '../src/exporters/prometheusremotewrite/config.ts';
import { toTimeSeries } from '../src/exporters/prometheusremotewrite/convert.ts';
import { encodeWriteRequest, encodeWriteRequests } from '../src/exporters/prometheusremotewrite/remote-write-proto.ts';
import { snappyCompress } from '../src/exporters/prometheusremotewrite/snappy.ts';
import type { TimeSeries } from '../src/exporters/prometheusremotewrite/series.ts';

const POINTS_PER_METRIC = 200;
const now = BigInt(Date.now()) * 1_000_000n;

function attributes(i: number): KeyValue[] {
  return [
    { key: 'http.route', value: { stringValue: `/api/v1/items/${i % 50}` } },
    { key: 'http.response.status_code', value: { intValue: BigInt(200 + (i % 5)) } },
    { key: 'http.request.method', value: { stringValue: i % 2 === 0 ? 'GET' : 'POST' } },
  ];
}

function buildRequest(): ExportMetricsServiceRequest {
  const counter: Metric = {
    name: 'http.server.requests',
    description: '',
    unit: '{request}',
    metadata: [],
    sum: {
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      isMonotonic: true,
      dataPoints: Array.from({ length: POINTS_PER_METRIC }, (_, i) => ({
        attributes: attributes(i),
        startTimeUnixNano: now - 60_000_000_000n,
        timeUnixNano: now,
        asInt: BigInt(i * 10),
        asDouble: undefined,
        exemplars: [],
        flags: 0,
      })),
    },
  };
  const histogram: Metric = {
    name: 'http.server.request.duration',
    description: '',
    unit: 's',
    metadata: [],
    histogram: {
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPoints: Array.from({ length: POINTS_PER_METRIC }, (_, i) => ({
        attributes: attributes(i),
        startTimeUnixNano: now - 60_000_000_000n,
        timeUnixNano: now,
        count: 100n,
        sum: 12.5,
        bucketCounts: [10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 5n, 5n],
        explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        exemplars: [],
        flags: 0,
        min: undefined,
        max: undefined,
      })),
    },
  };
  const resource = [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'service.instance.id', value: { stringValue: 'pod-1' } },
    { key: 'k8s.namespace.name', value: { stringValue: 'shop' } },
  ];
  return {
    resourceMetrics: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0, entityRefs: [] },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 'bench', version: '1.0.0', attributes: [], droppedAttributesCount: 0 }, metrics: [counter, histogram], schemaUrl: '' }],
      },
    ],
  };
}

// Other work shares the machine: variants run interleaved, round by round, and each reports its
// median round, so a noisy moment hits both sides alike.
function compare(items: number, variants: Record<string, () => unknown>, rounds = 15, perRound = 20): Record<string, number> {
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) for (let i = 0; i < perRound; i++) variants[name](); // warm up
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) variants[name]();
      times[name].push(Number(process.hrtime.bigint() - started) / 1e6 / perRound);
    }
  }
  const medians: Record<string, number> = {};
  for (const name of names) {
    const sorted = times[name].sort((a, b) => a - b);
    const ms = sorted[sorted.length >> 1];
    medians[name] = ms;
    console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms/batch  ${Math.round(items / (ms / 1000)).toLocaleString('en-US').padStart(12)} series/s`);
  }
  return medians;
}

const config = prometheusRemoteWriteConfigSchema.parse({ endpoint: 'http://127.0.0.1:9090/api/v1/write' });
const request = buildRequest();
const { series } = toTimeSeries(request, config);
const body = encodeWriteRequest(series);
const SPLIT_BYTES = 64 << 10;
const parts = encodeWriteRequests(series, [], SPLIT_BYTES);
if (Buffer.compare(Buffer.from(body), Buffer.concat(parts)) !== 0) {
  throw new Error('split and whole encodings disagree; the comparison would be meaningless');
}

console.log(`batch: ${POINTS_PER_METRIC * 2} OTLP points → ${series.length} series, ${body.byteLength} bytes uncompressed`);
const ENCODER = `encode: split into ${parts.length} requests of ≤64 KiB`;
const BASELINE = 'encode: one request (baseline)';
const medians = compare(series.length, {
  'convert (toTimeSeries)': () => toTimeSeries(request, config),
  [BASELINE]: () => encodeWriteRequest(series),
  [ENCODER]: () => encodeWriteRequests(series, [], SPLIT_BYTES),
  'snappy compress': () => snappyCompress(body),
});
console.log(`split cost over one request: ${(medians[ENCODER] / medians[BASELINE]).toFixed(2)}x`);
