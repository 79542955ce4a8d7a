import type { Logger } from 'pino';
import { Batch } from '../../core/batch.ts';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.ts';
import type { Connector, Consumer } from '../../core/component.ts';
import { errorMessage } from '../../core/errors.ts';
import { internalMetadata } from '../../core/metadata.ts';
import { anyValueSize, decodeAnyValue, decodeKeyValue, writeAnyValue } from '../../otlp/proto/common.ts';
import { encodeMessage } from '../../otlp/proto/encode.ts';
import { KeyValueLocation } from '../../otlp/proto/key-value.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import { AggregationTemporality, type AnyValue, type Exemplar, type ExportMetricsServiceRequest, type KeyValue, type Metric, type ResourceMetrics } from '../../otlp/types.ts';
import { bucketBounds, type SpanMetricsConfig } from './config.ts';
import { ExponentialBuckets } from './exponential.ts';

// Request, error and duration metrics from every span that passes, read from the request bytes:
// per span only its name, kind, status, times and the configured attributes are located, and a
// series is found by a hash of those bytes, compared byte for byte: a span of a known series
// makes no string and no object. Placed before a sampler (through a connector from the
// unsampled pipeline), its counts are exact whatever the sampler keeps.

const REQUEST_ENTRY = TAG.ExportTraceServiceRequest.resourceSpans;
const ENTRY_RESOURCE = TAG.ResourceSpans.resource;
const ENTRY_SCOPES = TAG.ResourceSpans.scopeSpans;
const RESOURCE_ATTRIBUTE = TAG.Resource.attributes;
const SCOPE_SPAN = TAG.ScopeSpans.spans;
const KV_KEY = TAG.KeyValue.key;
const SPAN_TRACE_ID = TAG.Span.traceId;
const SPAN_ID = TAG.Span.spanId;
const SPAN_NAME = TAG.Span.name;
const SPAN_KIND = TAG.Span.kind;
const SPAN_START = TAG.Span.startTimeUnixNano;
const SPAN_END = TAG.Span.endTimeUnixNano;
const SPAN_ATTRIBUTE = TAG.Span.attributes;
const SPAN_STATUS = TAG.Span.status;
const STATUS_CODE = TAG.Status.code;

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const OVERFLOW_ATTRIBUTES: KeyValue[] = [{ key: 'otel.metric.overflow', value: { boolValue: true } }];
const TWO_32 = 4294967296;

interface Series {
  /** The bytes its spans share: name, kind, status, dimension values (see #key). */
  key: Uint8Array;
  attributes: KeyValue[];
  start: bigint;
  calls: number;
  sum: number;
  buckets: Float64Array;
  /** With `histogram.exponential`, in place of `buckets`. */
  exponential: ExponentialBuckets | null;
  min: number;
  max: number;
  /** The latest spans' exemplars, when enabled. */
  exemplars: Exemplar[] | null;
}

interface ResourceAggregate {
  attributes: KeyValue[];
  /** By hash of the series key; a collision chains through the array. */
  series: Map<number, Series | Series[]>;
  overflow: Series | undefined;
  /** Each dimension's value on the resource, as AnyValue bytes, or null. */
  dimensionBytes: Array<Uint8Array | null>;
  dimensionValues: Array<AnyValue | undefined>;
}

/** A dimension's lookup key, as bytes to compare with attribute keys in place. */
interface Dimension {
  name: string;
  key: Uint8Array;
  fallback: string | undefined;
}

export interface SpanMetricsOptions {
  clock?: Clock;
  logger: Logger;
}

export class SpanMetricsConnector implements Connector {
  readonly #next: Consumer;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #bounds: Float64Array;
  readonly #toUnit: number;
  readonly #histogram: boolean;
  /** max_size of exponential buckets; 0: explicit. */
  readonly #exponentialSize: number;
  readonly #exemplars: number;
  readonly #dimensions: Dimension[];
  /** Dimension keys by length, for a one-compare miss on most attributes. */
  readonly #dimensionLengths: Uint8Array;
  readonly #resourceKeys: ReadonlySet<string> | null;
  readonly #limit: number;
  readonly #delta: boolean;
  readonly #callsName: string;
  readonly #durationName: string;
  readonly #unit: string;
  readonly #interval: number;
  readonly #resources = new Map<string, ResourceAggregate>();
  #seriesCount = 0;
  /** Start of the current delta window. */
  #windowStart: bigint;
  #timer: TimerHandle | undefined;
  #stopped = false;
  // Per-span scratch, reused: where each dimension's value sits in the span (-1: not there), and
  // the series key being built.
  readonly #valueStart: Int32Array;
  readonly #valueEnd: Int32Array;
  #scratch = new Uint8Array(256);
  readonly #kv = new KeyValueLocation();

  constructor(config: SpanMetricsConfig, next: Consumer, options: SpanMetricsOptions) {
    this.#next = next;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#bounds = Float64Array.from(bucketBounds(config));
    this.#unit = config.histogram.unit;
    this.#toUnit = config.histogram.unit === 's' ? 1e-9 : 1e-6;
    this.#histogram = !config.histogram.disable;
    this.#exponentialSize = config.histogram.exponential?.max_size ?? 0;
    this.#exemplars = config.exemplars.enabled ? config.exemplars.max_per_data_point : 0;
    const encoder = new TextEncoder();
    this.#dimensions = config.dimensions.map((d) => ({ name: d.name, key: encoder.encode(d.name), fallback: d.default }));
    this.#dimensionLengths = new Uint8Array(256);
    for (const d of this.#dimensions) if (d.key.length < 256) this.#dimensionLengths[d.key.length] = 1;
    this.#resourceKeys = config.resource_metrics_key_attributes.length > 0 ? new Set(config.resource_metrics_key_attributes) : null;
    this.#limit = config.aggregation_cardinality_limit === 0 ? Infinity : config.aggregation_cardinality_limit;
    this.#delta = config.aggregation_temporality === 'AGGREGATION_TEMPORALITY_DELTA';
    const prefix = config.namespace === '' ? '' : `${config.namespace}.`;
    this.#callsName = `${prefix}calls`;
    this.#durationName = `${prefix}duration`;
    this.#interval = config.metrics_flush_interval;
    this.#windowStart = this.#nowNanos();
    this.#valueStart = new Int32Array(this.#dimensions.length);
    this.#valueEnd = new Int32Array(this.#dimensions.length);
  }

  start(): void {
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      void this.flush().finally(() => this.#schedule());
    }, this.#interval);
    (this.#timer as unknown as { unref?: () => void }).unref?.();
  }

  /** Series held now, the overflow series not counted. */
  get seriesCount(): number {
    return this.#seriesCount;
  }

  consume(batch: Batch): Promise<void> {
    const bytes = batch.bytes();
    const r = new ProtoReader(bytes);
    const end = bytes.length;
    for (let stop = r.nextField(REQUEST_ENTRY, end); stop >= 0; stop = r.nextField(REQUEST_ENTRY, end)) {
      this.#readEntry(r, stop);
      r.pos = stop;
    }
    return Promise.resolve();
  }

  /** One ResourceSpans: its resource first (wherever it sits), then its spans. */
  #readEntry(r: ProtoReader, end: number): void {
    const entryStart = r.pos;
    let resourceStart = -1;
    let resourceEnd = -1;
    for (let stop = r.nextField(ENTRY_RESOURCE, end); stop >= 0; stop = r.nextField(ENTRY_RESOURCE, end)) {
      resourceStart = r.pos;
      resourceEnd = r.pos = stop;
    }
    const resource = this.#resource(r, resourceStart, resourceEnd);
    r.pos = entryStart;
    for (let scopeEnd = r.nextField(ENTRY_SCOPES, end); scopeEnd >= 0; scopeEnd = r.nextField(ENTRY_SCOPES, end)) {
      for (let spanEnd = r.nextField(SCOPE_SPAN, scopeEnd); spanEnd >= 0; spanEnd = r.nextField(SCOPE_SPAN, scopeEnd)) {
        this.#readSpan(r, spanEnd, resource);
        r.pos = spanEnd;
      }
      r.pos = scopeEnd;
    }
  }

  /** The aggregate of a resource, found by its key attributes; the dimensions it supplies. */
  #resource(r: ProtoReader, start: number, end: number): ResourceAggregate {
    const attributes: KeyValue[] = [];
    if (start >= 0) {
      r.pos = start;
      for (let stop = r.nextField(RESOURCE_ATTRIBUTE, end); stop >= 0; stop = r.nextField(RESOURCE_ATTRIBUTE, end)) {
        attributes.push(decodeKeyValue(r, stop, 0));
        r.pos = stop;
      }
    }
    let key = '';
    const keys = this.#resourceKeys;
    for (let i = 0; i < attributes.length; i++) {
      const a = attributes[i];
      if (keys === null || keys.has(a.key)) key += `${a.key}\u0001${valueKey(a.value)}\u0000`;
    }
    let aggregate = this.#resources.get(key);
    if (aggregate === undefined) {
      const dimensionValues = this.#dimensions.map((d) => attributes.find((a) => a.key === d.name)?.value);
      const dimensionBytes = dimensionValues.map((v) => (v === undefined ? null : anyValueBytes(v)));
      aggregate = { attributes, series: new Map(), overflow: undefined, dimensionBytes, dimensionValues };
      this.#resources.set(key, aggregate);
    }
    return aggregate;
  }

  #readSpan(r: ProtoReader, end: number, resource: ResourceAggregate): void {
    const u8 = r.u8;
    let nameStart = 0;
    let nameEnd = 0;
    let kind = 0;
    let status = 0;
    let startPos = -1;
    let endPos = -1;
    let traceIdPos = -1;
    let spanIdPos = -1;
    const dims = this.#dimensions;
    if (dims.length > 0) this.#valueStart.fill(-1);
    while (r.pos < end) {
      const t = r.tag(end);
      switch (t) {
        case SPAN_NAME: {
          const n = r.length(end);
          nameStart = r.pos;
          nameEnd = r.pos += n;
          break;
        }
        case SPAN_KIND:
          kind = r.varint32(end);
          break;
        case SPAN_START:
          if (end - r.pos < 8) r.fail('truncated fixed64');
          startPos = r.pos;
          r.pos += 8;
          break;
        case SPAN_END:
          if (end - r.pos < 8) r.fail('truncated fixed64');
          endPos = r.pos;
          r.pos += 8;
          break;
        case SPAN_STATUS: {
          const stop = r.sub(end);
          while (r.pos < stop) {
            const st = r.tag(stop);
            if (st === STATUS_CODE) status = r.varint32(stop);
            else r.skip(st, stop);
          }
          break;
        }
        case SPAN_ATTRIBUTE: {
          const stop = r.sub(end);
          // The usual encoding puts the key first with a one-byte length: keys of a length no
          // dimension has are passed over without reading them.
          if (dims.length > 0 && !(u8[r.pos] === KV_KEY && u8[r.pos + 1] < 0x80 && this.#dimensionLengths[u8[r.pos + 1]] === 0)) this.#readAttribute(r, stop);
          r.pos = stop;
          break;
        }
        case SPAN_TRACE_ID:
          traceIdPos = r.pos;
          r.pos = r.sub(end);
          break;
        case SPAN_ID:
          spanIdPos = r.pos;
          r.pos = r.sub(end);
          break;
        default:
          r.skip(t, end);
      }
    }

    if (kind > 5) kind = 0;
    if (status > 2) status = 0;
    const length = this.#key(u8, nameStart, nameEnd, kind, status, resource);
    const key = this.#scratch;
    // FNV-1a over the key bytes.
    let hash = 0x811c9dc5;
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ key[i], 0x01000193);
    const found = resource.series.get(hash);
    let series: Series | undefined;
    if (found !== undefined) {
      if (!Array.isArray(found)) {
        if (sameKey(found.key, key, length)) series = found;
      } else {
        for (let i = 0; i < found.length; i++) if (sameKey(found[i].key, key, length)) series = found[i];
      }
    }
    if (series === undefined) {
      if (this.#seriesCount >= this.#limit) {
        series = resource.overflow ??= this.#newSeries(new Uint8Array(0), OVERFLOW_ATTRIBUTES.slice());
      } else {
        series = this.#newSeries(key.slice(0, length), this.#attributes(r, resource, r.decodeUtf8(nameStart, nameEnd), kind, status));
        if (found === undefined) resource.series.set(hash, series);
        else if (Array.isArray(found)) found.push(series);
        else resource.series.set(hash, [found, series]);
        this.#seriesCount++;
      }
    }

    series.calls++;
    if (!this.#histogram) return;
    // Nanoseconds as two 32-bit halves, so the difference is exact before it becomes a double.
    let duration = 0;
    if (startPos >= 0 && endPos >= 0) {
      const view = r.view;
      const nanos = (view.getUint32(endPos + 4, true) - view.getUint32(startPos + 4, true)) * TWO_32 + (view.getUint32(endPos, true) - view.getUint32(startPos, true));
      if (nanos > 0) duration = nanos * this.#toUnit;
    }
    series.sum += duration;
    if (duration < series.min) series.min = duration;
    if (duration > series.max) series.max = duration;
    if (series.exponential !== null) {
      series.exponential.record(duration);
      if (this.#exemplars > 0 && series.exemplars !== null) this.#exemplar(series, r, traceIdPos, spanIdPos, endPos, duration);
      return;
    }
    const bounds = this.#bounds;
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (duration <= bounds[mid]) hi = mid;
      else lo = mid + 1;
    }
    series.buckets[lo]++;
    if (this.#exemplars > 0 && series.exemplars !== null) this.#exemplar(series, r, traceIdPos, spanIdPos, endPos, duration);
  }

  #readAttribute(r: ProtoReader, end: number): void {
    const kv = this.#kv;
    kv.read(r, end);
    if (kv.valueStart < 0) return;
    const dims = this.#dimensions;
    for (let i = 0; i < dims.length; i++) {
      if (!kv.keyIs(r.u8, dims[i].key)) continue;
      this.#valueStart[i] = kv.valueStart;
      this.#valueEnd[i] = kv.valueEnd;
      return;
    }
  }

  /**
   * Writes the span's series key into the scratch buffer and returns its length: the name's bytes,
   * then kind and status, then per dimension a marker (0 absent, 1 default, 2 span value, 3
   * resource value) and the value's AnyValue bytes with their length.
   */
  #key(u8: Uint8Array, nameStart: number, nameEnd: number, kind: number, status: number, resource: ResourceAggregate): number {
    let need = nameEnd - nameStart + 4;
    const dims = this.#dimensions;
    for (let i = 0; i < dims.length; i++) {
      need += 5 + (this.#valueStart[i] >= 0 ? this.#valueEnd[i] - this.#valueStart[i] : (resource.dimensionBytes[i]?.length ?? 0));
    }
    if (need > this.#scratch.length) this.#scratch = new Uint8Array(need * 2);
    const key = this.#scratch;
    let n = 0;
    key[n++] = kind;
    key[n++] = status;
    for (let i = nameStart; i < nameEnd; i++) key[n++] = u8[i];
    key[n++] = 0xff; // never in UTF-8: the name ends here
    for (let i = 0; i < dims.length; i++) {
      let from: Uint8Array = u8;
      let start = this.#valueStart[i];
      let end = this.#valueEnd[i];
      if (start >= 0) {
        key[n++] = 2;
      } else if (resource.dimensionBytes[i] !== null) {
        from = resource.dimensionBytes[i]!;
        start = 0;
        end = from.length;
        key[n++] = 3;
      } else {
        key[n++] = dims[i].fallback === undefined ? 0 : 1;
        continue;
      }
      const len = end - start;
      key[n++] = len & 0xff;
      key[n++] = (len >>> 8) & 0xff;
      key[n++] = (len >>> 16) & 0xff;
      for (let j = start; j < end; j++) key[n++] = from[j];
    }
    return n;
  }

  #attributes(r: ProtoReader, resource: ResourceAggregate, name: string, kind: number, status: number): KeyValue[] {
    const service = resource.attributes.find((a) => a.key === 'service.name')?.value ?? { stringValue: '' };
    const attributes: KeyValue[] = [
      { key: 'service.name', value: service },
      { key: 'span.name', value: { stringValue: name } },
      { key: 'span.kind', value: { stringValue: KIND_NAMES[kind] } },
      { key: 'status.code', value: { stringValue: STATUS_NAMES[status] } },
    ];
    const dims = this.#dimensions;
    for (let i = 0; i < dims.length; i++) {
      let value: AnyValue | undefined;
      if (this.#valueStart[i] >= 0) {
        r.pos = this.#valueStart[i];
        value = decodeAnyValue(r, this.#valueEnd[i], 1);
      } else {
        value = resource.dimensionValues[i] ?? (dims[i].fallback === undefined ? undefined : { stringValue: dims[i].fallback });
      }
      if (value !== undefined) attributes.push({ key: dims[i].name, value });
    }
    return attributes;
  }

  #newSeries(key: Uint8Array, attributes: KeyValue[]): Series {
    return {
      key,
      attributes,
      start: this.#delta ? this.#windowStart : this.#nowNanos(),
      calls: 0,
      sum: 0,
      buckets: new Float64Array(this.#exponentialSize > 0 ? 0 : this.#bounds.length + 1),
      exponential: this.#exponentialSize > 0 ? new ExponentialBuckets(this.#exponentialSize) : null,
      min: Infinity,
      max: -Infinity,
      exemplars: this.#exemplars > 0 ? [] : null,
    };
  }

  #exemplar(series: Series, r: ProtoReader, traceIdPos: number, spanIdPos: number, endPos: number, value: number): void {
    const copy = (pos: number) => {
      if (pos < 0) return new Uint8Array(0);
      r.pos = pos;
      return r.bytes(r.u8.length);
    };
    const exemplars = series.exemplars!;
    if (exemplars.length >= this.#exemplars) exemplars.shift();
    const time = endPos >= 0 ? r.view.getBigUint64(endPos, true) : this.#nowNanos();
    exemplars.push({ filteredAttributes: [], timeUnixNano: time, asDouble: value, traceId: copy(traceIdPos), spanId: copy(spanIdPos) });
  }

  #nowNanos(): bigint {
    return BigInt(this.#clock.now()) * 1_000_000n;
  }

  /** Emits every series now (the timer calls this); delta temporality then starts a new window. */
  flush(): Promise<void> {
    const request = this.#snapshot();
    if (request === undefined) return Promise.resolve();
    return this.#next.consume(Batch.fromRequest('metrics', request, internalMetadata())).catch((error) => {
      this.#logger.warn({ error: errorMessage(error) }, 'span metrics could not be handed on');
    });
  }

  #snapshot(): ExportMetricsServiceRequest | undefined {
    if (this.#resources.size === 0) return undefined;
    const now = this.#nowNanos();
    const temporality = this.#delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const resourceMetrics: ResourceMetrics[] = [];
    const bounds = Array.from(this.#bounds);
    for (const resource of this.#resources.values()) {
      const calls: Metric = { name: this.#callsName, description: '', unit: '', sum: { dataPoints: [], aggregationTemporality: temporality, isMonotonic: true }, metadata: [] };
      const exponential = this.#exponentialSize > 0;
      const duration: Metric = exponential
        ? { name: this.#durationName, description: '', unit: this.#unit, exponentialHistogram: { dataPoints: [], aggregationTemporality: temporality }, metadata: [] }
        : { name: this.#durationName, description: '', unit: this.#unit, histogram: { dataPoints: [], aggregationTemporality: temporality }, metadata: [] };
      const all: Series[] = [];
      for (const entry of resource.series.values()) {
        if (Array.isArray(entry)) all.push(...entry);
        else all.push(entry);
      }
      if (resource.overflow !== undefined) all.push(resource.overflow);
      for (const s of all) {
        if (s.calls === 0) continue;
        calls.sum!.dataPoints.push({ attributes: s.attributes, startTimeUnixNano: s.start, timeUnixNano: now, asInt: BigInt(s.calls), exemplars: [], flags: 0 });
        if (!this.#histogram) continue;
        if (s.exponential !== null) {
          const e = s.exponential;
          duration.exponentialHistogram!.dataPoints.push({
            attributes: s.attributes,
            startTimeUnixNano: s.start,
            timeUnixNano: now,
            count: BigInt(s.calls),
            sum: s.sum,
            scale: e.scale,
            zeroCount: BigInt(e.zeroCount),
            positive: { offset: e.offset, bucketCounts: Array.from(e.counts.subarray(0, e.length), (c) => BigInt(c)) },
            negative: undefined,
            flags: 0,
            exemplars: s.exemplars === null ? [] : s.exemplars.splice(0),
            min: s.min,
            max: s.max,
            zeroThreshold: 0,
          });
          continue;
        }
        duration.histogram!.dataPoints.push({
          attributes: s.attributes,
          startTimeUnixNano: s.start,
          timeUnixNano: now,
          count: BigInt(s.calls),
          sum: s.sum,
          bucketCounts: Array.from(s.buckets, (c) => BigInt(c)),
          explicitBounds: bounds,
          exemplars: s.exemplars === null ? [] : s.exemplars.splice(0),
          flags: 0,
          min: s.min,
          max: s.max,
        });
      }
      const metrics = this.#histogram ? [calls, duration] : [calls];
      resourceMetrics.push({
        resource: { attributes: resource.attributes, droppedAttributesCount: 0, entityRefs: [] },
        scopeMetrics: [{ scope: { name: 'spanmetricsconnector', version: '', attributes: [], droppedAttributesCount: 0 }, metrics, schemaUrl: '' }],
        schemaUrl: '',
      });
    }
    if (this.#delta) {
      // A delta window forgets its series, which also frees their place under the limit.
      this.#resources.clear();
      this.#seriesCount = 0;
      this.#windowStart = now;
    }
    return { resourceMetrics };
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    await this.flush();
  }
}

function sameKey(stored: Uint8Array, key: Uint8Array, length: number): boolean {
  if (stored.length !== length) return false;
  for (let i = 0; i < length; i++) if (stored[i] !== key[i]) return false;
  return true;
}

/** An AnyValue as protobuf bytes, as a span would carry it, to compare with span values in place. */
function anyValueBytes(value: AnyValue): Uint8Array {
  return encodeMessage(value, (w, v) => anyValueSize(w, v, 0), writeAnyValue);
}

/** A value as part of a series key: strings as they are, anything else tagged by its type. */
function valueKey(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return `\u0001i${v.intValue}`;
  if (v.doubleValue !== undefined) return `\u0001d${v.doubleValue}`;
  if (v.boolValue !== undefined) return `\u0001b${v.boolValue}`;
  return `\u0001j${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}`;
}
