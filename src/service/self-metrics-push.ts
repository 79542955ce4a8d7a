import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { PeriodicReader } from '../config/telemetry.ts';
import type { Telemetry } from '../core/telemetry.ts';
import { errorMessage } from '../core/errors.ts';
import { HttpClient } from '../exporters/shared/http-client.ts';
import { encodeJson } from '../otlp/json.ts';
import { encodeMetrics } from '../otlp/protobuf.ts';
import { GRPC_SERVICE_PATHS } from '../otlp/grpc-paths.ts';
import type { ExportMetricsServiceRequest, KeyValue, Metric } from '../otlp/types.ts';

// The Collector's periodic OTLP reader for its own metrics: every `interval`, the same families
// /metrics serves are sent as one OTLP/HTTP metrics request, cumulative, with the telemetry
// resource's attributes as the resource. A failed push is logged (at most once a minute) and the
// next interval sends the then-current totals, so nothing needs queueing.

const kv = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });

/** The self-metrics as one OTLP request. Counters become monotonic cumulative sums, the rest gauges. */
export function selfMetricsRequest(telemetry: Telemetry, resource: Readonly<Record<string, string>>, startNanos: bigint, nowNanos: bigint): ExportMetricsServiceRequest {
  const metrics: Metric[] = [];
  for (const family of telemetry.families()) {
    if (family.histograms !== undefined) {
      metrics.push({
        name: family.name,
        description: family.help,
        unit: '',
        metadata: [],
        histogram: {
          aggregationTemporality: 2,
          dataPoints: family.histograms.map((h) => ({
            attributes: Object.entries(h.labels).map(([k, v]) => kv(k, v)),
            startTimeUnixNano: startNanos,
            timeUnixNano: nowNanos,
            count: BigInt(h.count),
            sum: h.sum,
            bucketCounts: h.counts.map((c) => BigInt(c)),
            explicitBounds: [...h.bounds],
            exemplars: [],
            flags: 0,
          })),
        },
      });
      continue;
    }
    const counter = family.type === 'counter';
    const dataPoints = family.series.map((series) => ({
      attributes: Object.entries(series.labels).filter(([, v]) => v !== undefined).map(([k, v]) => kv(k, v)),
      startTimeUnixNano: counter ? startNanos : 0n,
      timeUnixNano: nowNanos,
      asDouble: series.value,
      exemplars: [],
      flags: 0,
    }));
    // The Prometheus names end in _total for counters; OTLP names do not.
    const name = counter ? family.name.replace(/_total$/, '') : family.name;
    const metric: Metric = { name, description: family.help, unit: '', metadata: [] };
    if (counter) metric.sum = { dataPoints, aggregationTemporality: 2, isMonotonic: true };
    else metric.gauge = { dataPoints };
    metrics.push(metric);
  }
  return {
    resourceMetrics: [{
      resource: { attributes: Object.entries(resource).map(([k, v]) => kv(k, v)), droppedAttributesCount: 0, entityRefs: [] },
      scopeMetrics: [{ scope: { name: 'sluice', version: '', attributes: [], droppedAttributesCount: 0 }, metrics, schemaUrl: '' }],
      schemaUrl: '',
    }],
  };
}

export class PeriodicMetricsReader {
  readonly #reader: PeriodicReader;
  readonly #telemetry: Telemetry;
  readonly #resource: Readonly<Record<string, string>>;
  readonly #logger: Logger;
  readonly #client: HttpClient;
  readonly #url: URL;
  /** For protocol grpc: sends one request; grpc-js loads only when such a reader is configured. */
  #grpc: Promise<(body: Uint8Array, headers: Record<string, string>, timeoutMs: number) => Promise<void>> | undefined;
  #closeGrpc: (() => void) | undefined;
  readonly #startNanos = BigInt(Date.now()) * 1_000_000n;
  #timer: NodeJS.Timeout | undefined;
  #lastFailureLog = 0;

  constructor(reader: PeriodicReader, telemetry: Telemetry, resource: Readonly<Record<string, string>>, logger: Logger) {
    this.#reader = reader;
    this.#telemetry = telemetry;
    this.#resource = resource;
    this.#logger = logger;
    this.#url = new URL(reader.endpoint);
    this.#client = new HttpClient(this.#url);
  }

  start(): void {
    this.#timer = setInterval(() => void this.push(), this.#reader.intervalMs);
    this.#timer.unref();
  }

  async push(): Promise<void> {
    const request = selfMetricsRequest(this.#telemetry, this.#resource, this.#startNanos, BigInt(Date.now()) * 1_000_000n);
    if (this.#reader.protocol === 'grpc') {
      try {
        this.#grpc ??= this.#grpcSender();
        await (await this.#grpc)(encodeMetrics(request), this.#reader.headers, Math.min(this.#reader.timeoutMs, this.#reader.timeout));
      } catch (error) {
        this.#failed(error);
      }
      return;
    }
    const json = this.#reader.protocol === 'http/json';
    let body: Uint8Array = json ? Buffer.from(encodeJson('metrics', request)) : encodeMetrics(request);
    const headers: Record<string, string> = { ...this.#reader.headers, 'content-type': json ? 'application/json' : 'application/x-protobuf' };
    if (this.#reader.compression === 'gzip') {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    try {
      const response = await this.#client.post(this.#url, headers, [body], undefined, Math.min(this.#reader.timeoutMs, this.#reader.timeout));
      if (response.status >= 300) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastFailureLog < 60_000) return;
    this.#lastFailureLog = now;
    // The URL only: headers may carry an API key.
    this.#logger.warn({ endpoint: this.#url.origin + this.#url.pathname, error: errorMessage(error) }, 'self-metrics push failed');
  }

  async #grpcSender(): Promise<(body: Uint8Array, headers: Record<string, string>, timeoutMs: number) => Promise<void>> {
    const grpc = await import('@grpc/grpc-js');
    const credentials = this.#url.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    const client = new grpc.Client(this.#url.host, credentials);
    this.#closeGrpc = () => client.close();
    const identity = (bytes: Buffer): Buffer => bytes;
    return (body, headers, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const metadata = new grpc.Metadata();
        for (const key in headers) metadata.set(key.toLowerCase(), headers[key]);
        client.makeUnaryRequest(GRPC_SERVICE_PATHS.metrics, identity, identity, Buffer.from(body.buffer, body.byteOffset, body.byteLength), metadata, { deadline: Date.now() + timeoutMs }, (error) => (error ? reject(new Error(`${grpc.status[error.code]}: ${error.details}`)) : resolve()));
      });
  }

  async shutdown(): Promise<void> {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.push();
    this.#client.close();
    this.#closeGrpc?.();
  }
}
