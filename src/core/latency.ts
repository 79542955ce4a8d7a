import type { Batch } from './batch.ts';
import type { Consumer } from './component.ts';
import { TenantLabels } from './tenant-labels.ts';
import type { BoundHistogram, Histogram, Telemetry } from './telemetry.ts';
import { ProtoReader } from '../otlp/proto/reader.ts';
import type { RequestBySignal, Signal } from '../otlp/types.ts';

// The two latency histograms. Ingest lag is arrival (the receiver's receivedAt) minus the item's
// own time (span end, log observed time, point time). It is measured once per batch, on the first
// item of each scope group, so the cost is a walk over a few tags and length prefixes per
// group, not a read of every item; the batch's oldest sampled time stands for all its items
// (the SLI wants the worst case). Export latency is accepted-by-the-exporter to delivered.

/** Seconds: 5 ms to ~1.5 h, ×2.5 apart, so a 2 s lag and a 2 min lag land in different buckets. */
export const LAG_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
/** Seconds: 1 ms to 5 min; a healthy export is tens of ms, a retried one seconds to minutes. */
export const EXPORT_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

// Tags (field << 3 | wire type) on the path to each signal's item time.
const ENTRY = 10; // Export*ServiceRequest.resource_* = 1
const SCOPE = 18; // Resource*.scope_* = 2
const ITEM = 18; // Scope*.spans / metrics / log_records = 2
const SPAN_END = 65; // Span.end_time_unix_nano = 8, fixed64
const LOG_TIME = 9; // LogRecord.time_unix_nano = 1, fixed64
const LOG_OBSERVED = 89; // LogRecord.observed_time_unix_nano = 11, fixed64
const POINTS = 10; // Gauge/Sum/Histogram/….data_points = 1
const POINT_TIME = 25; // *DataPoint.time_unix_nano = 3, fixed64
/** Metric.gauge = 5, sum = 7, histogram = 9, exponential_histogram = 10, summary = 11 (all LEN). */
const METRIC_DATA = new Set([42, 58, 74, 82, 90]);

/** fixed64 nanoseconds as milliseconds; a double keeps µs precision for today's times. */
function fixed64Ms(r: ProtoReader): number {
  const lo = r.view.getUint32(r.pos, true);
  const hi = r.view.getUint32(r.pos + 4, true);
  r.pos += 8;
  return (hi * 4294967296 + lo) / 1e6;
}

/** The time of the item whose body runs from r.pos to end, in ms since the epoch; 0 when unset. */
function itemTime(r: ProtoReader, signal: Signal, end: number): number {
  let logTime = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (signal === 'traces' && t === SPAN_END && end - r.pos >= 8) return fixed64Ms(r);
    if (signal === 'logs' && (t === LOG_OBSERVED || t === LOG_TIME) && end - r.pos >= 8) {
      const ms = fixed64Ms(r);
      if (t === LOG_OBSERVED && ms > 0) return ms;
      if (t === LOG_TIME) logTime = ms;
      continue;
    }
    if (signal === 'metrics' && METRIC_DATA.has(t)) {
      const dataEnd = r.sub(end);
      const pointEnd = r.nextField(POINTS, dataEnd);
      return pointEnd < 0 ? 0 : pointTime(r, pointEnd);
    }
    r.skip(t, end);
  }
  return logTime;
}

/** nextField only finds LEN fields; a data point's time is fixed64, so walk for it here. */
function pointTime(r: ProtoReader, end: number): number {
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === POINT_TIME && end - r.pos >= 8) return fixed64Ms(r);
    r.skip(t, end);
  }
  return 0;
}

/** The oldest first-item time over the scope groups of one encoded request; Infinity if none. */
function oldestInBytes(signal: Signal, bytes: Uint8Array): number {
  const r = new ProtoReader(bytes);
  let oldest = Infinity;
  const end = bytes.length;
  for (let entryEnd = r.nextField(ENTRY, end); entryEnd >= 0; entryEnd = r.nextField(ENTRY, end)) {
    for (let scopeEnd = r.nextField(SCOPE, entryEnd); scopeEnd >= 0; scopeEnd = r.nextField(SCOPE, entryEnd)) {
      const itemEnd = r.nextField(ITEM, scopeEnd);
      if (itemEnd >= 0) {
        const ms = itemTime(r, signal, itemEnd);
        if (ms > 0 && ms < oldest) oldest = ms;
      }
      r.pos = scopeEnd;
    }
    r.pos = entryEnd;
  }
  return oldest;
}

function nanosMs(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}

function oldestInRequest(signal: Signal, request: RequestBySignal[Signal]): number {
  let oldest = Infinity;
  const consider = (ms: number) => {
    if (ms > 0 && ms < oldest) oldest = ms;
  };
  if (signal === 'traces') {
    for (const entry of (request as RequestBySignal['traces']).resourceSpans) for (const scope of entry.scopeSpans) if (scope.spans.length > 0) consider(nanosMs(scope.spans[0].endTimeUnixNano));
  } else if (signal === 'logs') {
    for (const entry of (request as RequestBySignal['logs']).resourceLogs) {
      for (const scope of entry.scopeLogs) {
        const first = scope.logRecords[0];
        if (first !== undefined) consider(nanosMs(first.observedTimeUnixNano > 0n ? first.observedTimeUnixNano : first.timeUnixNano));
      }
    }
  } else {
    for (const entry of (request as RequestBySignal['metrics']).resourceMetrics) {
      for (const scope of entry.scopeMetrics) {
        const metric = scope.metrics[0];
        if (metric === undefined) continue;
        const data = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
        const point = data?.dataPoints[0];
        if (point !== undefined) consider(nanosMs(point.timeUnixNano));
      }
    }
  }
  return oldest;
}

/**
 * The oldest item time of a batch in ms since the epoch (first item per scope group), or
 * undefined when it has no timed item. Reads the bytes when the batch has them, so a forwarding
 * pipeline never decodes; a batch already decoded is read from its objects.
 */
export function oldestItemTime(batch: Batch): number | undefined {
  let oldest = Infinity;
  if (batch.hasBytes) {
    const chunks = batch.byteChunks();
    for (let i = 0; i < chunks.length; i++) oldest = Math.min(oldest, oldestInBytes(batch.signal, chunks[i]));
  } else {
    oldest = oldestInRequest(batch.signal, batch.request);
  }
  return oldest === Infinity ? undefined : oldest;
}

/** Items in batches without a resolved tenant are counted under this label. */
export const NO_TENANT = '';

/** The `tenant` label under the usual cap (first 1000 tenants keep their id, later ones share one). */
export function tenantLabeller(): (tenant: string | undefined) => string {
  const labels = new TenantLabels();
  return (tenant) => (tenant === undefined ? NO_TENANT : labels.label(tenant));
}

/**
 * The series of `histogram` for one fixed label and a batch's tenant, bound on first use, so a
 * batch costs a map lookup rather than building a label key.
 */
function perTenant(histogram: Histogram, label: string, value: string, tenantLabel: (tenant: string | undefined) => string): (tenant: string | undefined) => BoundHistogram {
  const bound = new Map<string, BoundHistogram>();
  return (tenant) => {
    const name = tenantLabel(tenant);
    let series = bound.get(name);
    if (series === undefined) {
      series = histogram.bind({ [label]: value, tenant: name });
      bound.set(name, series);
    }
    return series;
  };
}

/**
 * Records ingest lag for what leaves a pipeline's processors, where the tenant is resolved. It
 * wraps each of the pipeline's exporters, so batches a routing processor sends straight to an
 * exporter count too; a batch fanned out to several exporters is the same object at each, and is
 * measured once. Each batch is one observation weighted by its item count, so the histogram's
 * count is items.
 */
export class IngestLagRecorder {
  readonly #series: (tenant: string | undefined) => BoundHistogram;
  /** Batches already measured; weak, so a measured batch is never kept alive by it. */
  #seen = new WeakSet<Batch>();

  constructor(telemetry: Telemetry, pipeline: string, tenantLabel: (tenant: string | undefined) => string) {
    const histogram = telemetry.histogram(
      'sluice_ingest_lag_seconds',
      'Arrival at the receiver minus the item\'s own time (span end, log observed time, point time); one observation per batch, weighted by its items.',
      ['pipeline', 'tenant'],
      LAG_BUCKETS,
    );
    this.#series = perTenant(histogram, 'pipeline', pipeline, tenantLabel);
  }

  /** `exporter`, measuring each batch before handing it on. */
  wrap(exporter: Consumer): Consumer {
    return {
      consume: (batch) => {
        this.record(batch);
        return exporter.consume(batch);
      },
    };
  }

  record(batch: Batch): void {
    if (this.#seen.has(batch)) return;
    this.#seen.add(batch);
    let oldest: number | undefined;
    try {
      oldest = oldestItemTime(batch);
    } catch {
      // Receivers validate what they accept; a measurement must still never refuse data.
      oldest = undefined;
    }
    // Clock skew can put an item in the future; that is no lag, not a negative one.
    if (oldest !== undefined) this.#series(batch.metadata.tenant).observe(Math.max(0, batch.metadata.receivedAt - oldest) / 1000, batch.itemCount);
  }
}

/** Accepted-to-delivered time per exporter and tenant, observed once per delivered batch. */
export class ExportLatency {
  readonly #series: (tenant: string | undefined) => BoundHistogram;

  constructor(telemetry: Telemetry, exporter: string) {
    const histogram = telemetry.histogram(
      'sluice_exporter_latency_seconds',
      'Time from the exporter accepting a batch (into its queue) to its delivery, retries included; one observation per batch, weighted by its items.',
      ['exporter', 'tenant'],
      EXPORT_LATENCY_BUCKETS,
    );
    this.#series = perTenant(histogram, 'exporter', exporter, tenantLabeller());
  }

  delivered(batch: Batch, acceptedAt: number, now = Date.now()): void {
    this.#series(batch.metadata.tenant).observe(Math.max(0, now - acceptedAt) / 1000, batch.itemCount);
  }
}
