// Protobuf codec for opentelemetry/proto/metrics/v1 and collector/metrics/v1.
// ResourceMetrics{resource 1, scope_metrics 2, schema_url 3}; ScopeMetrics{scope 1, metrics 2,
// schema_url 3}; Metric{name 1, description 2, unit 3, gauge 5, sum 7, histogram 9,
// exponential_histogram 10, summary 11, metadata 12}; Gauge{data_points 1}; Sum{data_points 1,
// aggregation_temporality 2, is_monotonic 3}; Histogram/ExponentialHistogram{data_points 1,
// aggregation_temporality 2}; Summary{data_points 1};
// NumberDataPoint{attributes 7, start fixed64 2, time fixed64 3, as_double 4, as_int sfixed64 6,
// exemplars 5, flags 8}; HistogramDataPoint{attributes 9, start 2, time 3, count fixed64 4,
// sum 5, bucket_counts packed fixed64 6, explicit_bounds packed double 7, exemplars 8, flags 10,
// min 11, max 12}; ExponentialHistogramDataPoint{attributes 1, start 2, time 3, count fixed64 4,
// sum 5, scale sint32 6, zero_count fixed64 7, positive 8, negative 9, flags 10, exemplars 11,
// min 12, max 13, zero_threshold 14}; Buckets{offset sint32 1, bucket_counts packed uint64 2};
// SummaryDataPoint{attributes 7, start 2, time 3, count fixed64 4, sum 5, quantile_values 6,
// flags 8}; ValueAtQuantile{quantile 1, value 2}; Exemplar{filtered_attributes 7, time fixed64 2,
// as_double 3, as_int sfixed64 6, span_id 4, trace_id 5}.
import type {
  Exemplar,
  ExponentialHistogram,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  Gauge,
  Histogram,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  Sum,
  Summary,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../types.ts';
import {
  attributesSize,
  decodeResource,
  decodeScope,
  pushKeyValue,
  resourceSize,
  scopeSize,
  writeAttributes,
  writeResource,
  writeScope,
} from './common.ts';
import { checkId, EMPTY_BYTES, fieldMask, ProtoReader } from './reader.ts';
import { int32Size, lenField, ProtoWriter, sint32Size, varint64Size, varintSize } from './writer.ts';

const REQUEST_FIELDS = fieldMask(1);
const RESOURCE_METRICS_FIELDS = fieldMask(1, 2, 3);
const SCOPE_METRICS_FIELDS = fieldMask(1, 2, 3);
const METRIC_FIELDS = fieldMask(1, 2, 3, 5, 7, 9, 10, 11, 12);
// Known fields per point container: a wrong wire type is an error only for a field the message
// has; Gauge has no field 2 and Summary no field 2 or 3, so those are unknown and skipped.
const GAUGE_FIELDS = fieldMask(1);
const SUM_FIELDS = fieldMask(1, 2, 3);
const HISTOGRAM_CONTAINER_FIELDS = fieldMask(1, 2);
const SUMMARY_CONTAINER_FIELDS = fieldMask(1);
const NUMBER_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const HISTOGRAM_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
const EXP_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
const BUCKETS_FIELDS = fieldMask(1, 2);
const SUMMARY_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const QUANTILE_FIELDS = fieldMask(1, 2);
const EXEMPLAR_FIELDS = fieldMask(2, 3, 4, 5, 6, 7);

/** proto3 implicit presence for doubles: only +0 is the default (-0 is written). */
function isDefaultDouble(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

// ---- decode ----

export function decodeMetricsRequest(r: ProtoReader, end: number): ExportMetricsServiceRequest {
  const resourceMetrics: ResourceMetrics[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) resourceMetrics.push(decodeResourceMetrics(r, r.sub(end)));
    else r.unknown(t, end, REQUEST_FIELDS, 'ExportMetricsServiceRequest');
  }
  return { resourceMetrics };
}

function decodeResourceMetrics(r: ProtoReader, end: number): ResourceMetrics {
  let resource: ResourceMetrics['resource'];
  const scopeMetrics: ScopeMetrics[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) resource = decodeResource(r, r.sub(end));
    else if (t === 18) scopeMetrics.push(decodeScopeMetrics(r, r.sub(end)));
    else if (t === 26) schemaUrl = r.string(end);
    else r.unknown(t, end, RESOURCE_METRICS_FIELDS, 'ResourceMetrics');
  }
  return { resource, scopeMetrics, schemaUrl };
}

function decodeScopeMetrics(r: ProtoReader, end: number): ScopeMetrics {
  let scope: ScopeMetrics['scope'];
  const metrics: Metric[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) scope = decodeScope(r, r.sub(end));
    else if (t === 18) metrics.push(decodeMetric(r, r.sub(end)));
    else if (t === 26) schemaUrl = r.string(end);
    else r.unknown(t, end, SCOPE_METRICS_FIELDS, 'ScopeMetrics');
  }
  return { scope, metrics, schemaUrl };
}

function decodeMetric(r: ProtoReader, end: number): Metric {
  let name = '';
  let description = '';
  let unit = '';
  let gauge: Gauge | undefined;
  let sum: Sum | undefined;
  let histogram: Histogram | undefined;
  let exponentialHistogram: ExponentialHistogram | undefined;
  let summary: Summary | undefined;
  const metadata: KeyValue[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        name = r.string(end);
        break;
      case 18:
        description = r.string(end);
        break;
      case 26:
        unit = r.string(end);
        break;
      // A oneof: the last member on the wire wins, as protobuf specifies.
      case 42:
        gauge = { dataPoints: decodeNumberPoints(r, r.sub(end), GAUGE_FIELDS, 'Gauge').dataPoints };
        sum = histogram = exponentialHistogram = summary = undefined;
        break;
      case 58:
        sum = decodeNumberPoints(r, r.sub(end), SUM_FIELDS, 'Sum');
        gauge = histogram = exponentialHistogram = summary = undefined;
        break;
      case 74:
        histogram = decodeHistogram(r, r.sub(end));
        gauge = sum = exponentialHistogram = summary = undefined;
        break;
      case 82:
        exponentialHistogram = decodeExponentialHistogram(r, r.sub(end));
        gauge = sum = histogram = summary = undefined;
        break;
      case 90:
        summary = decodeSummary(r, r.sub(end));
        gauge = sum = histogram = exponentialHistogram = undefined;
        break;
      case 98:
        pushKeyValue(r, end, metadata);
        break;
      default:
        r.unknown(t, end, METRIC_FIELDS, 'Metric');
    }
  }
  return { name, description, unit, gauge, sum, histogram, exponentialHistogram, summary, metadata };
}

/** Gauge and Sum share a layout; a Gauge simply has no temporality or monotonic flag. */
function decodeNumberPoints(r: ProtoReader, end: number, knownFields: number, message: 'Gauge' | 'Sum'): Sum {
  const dataPoints: NumberDataPoint[] = [];
  let aggregationTemporality = 0;
  let isMonotonic = false;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) dataPoints.push(decodeNumberDataPoint(r, r.sub(end)));
    else if (t === 16) aggregationTemporality = r.varint32(end) | 0;
    else if (t === 24) isMonotonic = r.varint32(end) !== 0;
    else r.unknown(t, end, knownFields, message);
  }
  return { dataPoints, aggregationTemporality, isMonotonic };
}

function decodeHistogram(r: ProtoReader, end: number): Histogram {
  const dataPoints: HistogramDataPoint[] = [];
  let aggregationTemporality = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) dataPoints.push(decodeHistogramDataPoint(r, r.sub(end)));
    else if (t === 16) aggregationTemporality = r.varint32(end) | 0;
    else r.unknown(t, end, HISTOGRAM_CONTAINER_FIELDS, 'Histogram');
  }
  return { dataPoints, aggregationTemporality };
}

function decodeExponentialHistogram(r: ProtoReader, end: number): ExponentialHistogram {
  const dataPoints: ExponentialHistogramDataPoint[] = [];
  let aggregationTemporality = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) dataPoints.push(decodeExponentialDataPoint(r, r.sub(end)));
    else if (t === 16) aggregationTemporality = r.varint32(end) | 0;
    else r.unknown(t, end, HISTOGRAM_CONTAINER_FIELDS, 'ExponentialHistogram');
  }
  return { dataPoints, aggregationTemporality };
}

function decodeSummary(r: ProtoReader, end: number): Summary {
  const dataPoints: SummaryDataPoint[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) dataPoints.push(decodeSummaryDataPoint(r, r.sub(end)));
    else r.unknown(t, end, SUMMARY_CONTAINER_FIELDS, 'Summary');
  }
  return { dataPoints };
}

function decodeNumberDataPoint(r: ProtoReader, end: number): NumberDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let asDouble: number | undefined;
  let asInt: bigint | undefined;
  const exemplars: Exemplar[] = [];
  let flags = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 58:
        pushKeyValue(r, end, attributes);
        break;
      case 17:
        startTimeUnixNano = r.fixed64(end);
        break;
      case 25:
        timeUnixNano = r.fixed64(end);
        break;
      case 33:
        asDouble = r.double(end);
        asInt = undefined;
        break;
      case 49:
        asInt = r.sfixed64(end);
        asDouble = undefined;
        break;
      case 42:
        exemplars.push(decodeExemplar(r, r.sub(end)));
        break;
      case 64:
        flags = r.varint32(end);
        break;
      default:
        r.unknown(t, end, NUMBER_FIELDS, 'NumberDataPoint');
    }
  }
  return { attributes, startTimeUnixNano, timeUnixNano, asDouble, asInt, exemplars, flags };
}

function readPackedFixed64(r: ProtoReader, end: number, out: bigint[]): void {
  const stop = r.sub(end);
  if ((stop - r.pos) % 8 !== 0) r.fail('packed fixed64 length is not a multiple of 8');
  while (r.pos < stop) out.push(r.fixed64(stop));
}

function readPackedDouble(r: ProtoReader, end: number, out: number[]): void {
  const stop = r.sub(end);
  if ((stop - r.pos) % 8 !== 0) r.fail('packed double length is not a multiple of 8');
  while (r.pos < stop) out.push(r.double(stop));
}

function decodeHistogramDataPoint(r: ProtoReader, end: number): HistogramDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0n;
  let sum: number | undefined;
  const bucketCounts: bigint[] = [];
  const explicitBounds: number[] = [];
  const exemplars: Exemplar[] = [];
  let flags = 0;
  let min: number | undefined;
  let max: number | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 74:
        pushKeyValue(r, end, attributes);
        break;
      case 17:
        startTimeUnixNano = r.fixed64(end);
        break;
      case 25:
        timeUnixNano = r.fixed64(end);
        break;
      case 33:
        count = r.fixed64(end);
        break;
      case 41:
        sum = r.double(end);
        break;
      case 50:
        readPackedFixed64(r, end, bucketCounts);
        break;
      case 49:
        bucketCounts.push(r.fixed64(end));
        break;
      case 58:
        readPackedDouble(r, end, explicitBounds);
        break;
      case 57:
        explicitBounds.push(r.double(end));
        break;
      case 66:
        exemplars.push(decodeExemplar(r, r.sub(end)));
        break;
      case 80:
        flags = r.varint32(end);
        break;
      case 89:
        min = r.double(end);
        break;
      case 97:
        max = r.double(end);
        break;
      default:
        r.unknown(t, end, HISTOGRAM_FIELDS, 'HistogramDataPoint');
    }
  }
  return {
    attributes,
    startTimeUnixNano,
    timeUnixNano,
    count,
    sum,
    bucketCounts,
    explicitBounds,
    exemplars,
    flags,
    min,
    max,
  };
}

function decodeBuckets(r: ProtoReader, end: number): ExponentialHistogramBuckets {
  let offset = 0;
  const bucketCounts: bigint[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 8) {
      const z = r.varint32(end);
      offset = (z >>> 1) ^ -(z & 1);
    } else if (t === 18) {
      const stop = r.sub(end);
      while (r.pos < stop) bucketCounts.push(r.varint64(stop));
    } else if (t === 16) bucketCounts.push(r.varint64(end));
    else r.unknown(t, end, BUCKETS_FIELDS, 'Buckets');
  }
  return { offset, bucketCounts };
}

function decodeExponentialDataPoint(r: ProtoReader, end: number): ExponentialHistogramDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0n;
  let sum: number | undefined;
  let scale = 0;
  let zeroCount = 0n;
  let positive: ExponentialHistogramBuckets | undefined;
  let negative: ExponentialHistogramBuckets | undefined;
  let flags = 0;
  const exemplars: Exemplar[] = [];
  let min: number | undefined;
  let max: number | undefined;
  let zeroThreshold = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        pushKeyValue(r, end, attributes);
        break;
      case 17:
        startTimeUnixNano = r.fixed64(end);
        break;
      case 25:
        timeUnixNano = r.fixed64(end);
        break;
      case 33:
        count = r.fixed64(end);
        break;
      case 41:
        sum = r.double(end);
        break;
      case 48: {
        const z = r.varint32(end);
        scale = (z >>> 1) ^ -(z & 1);
        break;
      }
      case 57:
        zeroCount = r.fixed64(end);
        break;
      case 66:
        positive = decodeBuckets(r, r.sub(end));
        break;
      case 74:
        negative = decodeBuckets(r, r.sub(end));
        break;
      case 80:
        flags = r.varint32(end);
        break;
      case 90:
        exemplars.push(decodeExemplar(r, r.sub(end)));
        break;
      case 97:
        min = r.double(end);
        break;
      case 105:
        max = r.double(end);
        break;
      case 113:
        zeroThreshold = r.double(end);
        break;
      default:
        r.unknown(t, end, EXP_FIELDS, 'ExponentialHistogramDataPoint');
    }
  }
  return {
    attributes,
    startTimeUnixNano,
    timeUnixNano,
    count,
    sum,
    scale,
    zeroCount,
    positive,
    negative,
    flags,
    exemplars,
    min,
    max,
    zeroThreshold,
  };
}

function decodeSummaryDataPoint(r: ProtoReader, end: number): SummaryDataPoint {
  const attributes: KeyValue[] = [];
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let count = 0n;
  let sum = 0;
  const quantileValues: ValueAtQuantile[] = [];
  let flags = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 58:
        pushKeyValue(r, end, attributes);
        break;
      case 17:
        startTimeUnixNano = r.fixed64(end);
        break;
      case 25:
        timeUnixNano = r.fixed64(end);
        break;
      case 33:
        count = r.fixed64(end);
        break;
      case 41:
        sum = r.double(end);
        break;
      case 50: {
        const stop = r.sub(end);
        let quantile = 0;
        let value = 0;
        while (r.pos < stop) {
          const qt = r.tag(stop);
          if (qt === 9) quantile = r.double(stop);
          else if (qt === 17) value = r.double(stop);
          else r.unknown(qt, stop, QUANTILE_FIELDS, 'ValueAtQuantile');
        }
        quantileValues.push({ quantile, value });
        break;
      }
      case 64:
        flags = r.varint32(end);
        break;
      default:
        r.unknown(t, end, SUMMARY_FIELDS, 'SummaryDataPoint');
    }
  }
  return { attributes, startTimeUnixNano, timeUnixNano, count, sum, quantileValues, flags };
}

function decodeExemplar(r: ProtoReader, end: number): Exemplar {
  const filteredAttributes: KeyValue[] = [];
  let timeUnixNano = 0n;
  let asDouble: number | undefined;
  let asInt: bigint | undefined;
  let spanId = EMPTY_BYTES;
  let traceId = EMPTY_BYTES;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 58:
        pushKeyValue(r, end, filteredAttributes);
        break;
      case 17:
        timeUnixNano = r.fixed64(end);
        break;
      case 25:
        asDouble = r.double(end);
        asInt = undefined;
        break;
      case 49:
        asInt = r.sfixed64(end);
        asDouble = undefined;
        break;
      case 34:
        spanId = r.bytes(end);
        break;
      case 42:
        traceId = r.bytes(end);
        break;
      default:
        r.unknown(t, end, EXEMPLAR_FIELDS, 'Exemplar');
    }
  }
  checkId(r, traceId, 16, 'exemplar trace_id', 'metric data point');
  checkId(r, spanId, 8, 'exemplar span_id', 'metric data point');
  return { filteredAttributes, timeUnixNano, asDouble, asInt, spanId, traceId };
}

// ---- size (pass 1) ----

export function metricsRequestSize(w: ProtoWriter, req: ExportMetricsServiceRequest): number {
  const list = req.resourceMetrics;
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = resourceMetricsSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n;
}

function resourceMetricsSize(w: ProtoWriter, rm: ResourceMetrics): number {
  let n = 0;
  if (rm.resource !== undefined) {
    const slot = w.reserve();
    const b = resourceSize(w, rm.resource);
    w.setSize(slot, b);
    n += lenField(b);
  }
  const list = rm.scopeMetrics;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = scopeMetricsSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (rm.schemaUrl !== '') n += 1 + w.stringSize(rm.schemaUrl);
  return n;
}

function scopeMetricsSize(w: ProtoWriter, sm: ScopeMetrics): number {
  let n = 0;
  if (sm.scope !== undefined) {
    const slot = w.reserve();
    const b = scopeSize(w, sm.scope);
    w.setSize(slot, b);
    n += lenField(b);
  }
  const list = sm.metrics;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = metricSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (sm.schemaUrl !== '') n += 1 + w.stringSize(sm.schemaUrl);
  return n;
}

function metricSize(w: ProtoWriter, m: Metric): number {
  let n = 1 + w.stringSize(m.name); // always
  if (m.description !== '') n += 1 + w.stringSize(m.description);
  if (m.unit !== '') n += 1 + w.stringSize(m.unit);
  const slot = w.reserve();
  let b = 0;
  if (m.gauge !== undefined) b = pointsSize(w, m.gauge.dataPoints, 0, false);
  else if (m.sum !== undefined) b = pointsSize(w, m.sum.dataPoints, m.sum.aggregationTemporality, m.sum.isMonotonic);
  else if (m.histogram !== undefined) b = histogramSize(w, m.histogram);
  else if (m.exponentialHistogram !== undefined) b = exponentialSize(w, m.exponentialHistogram);
  else if (m.summary !== undefined) b = summarySize(w, m.summary);
  else b = -1;
  w.setSize(slot, b);
  if (b >= 0) n += lenField(b);
  if (m.metadata !== undefined) n += attributesSize(w, m.metadata, 0);
  return n;
}

function temporalitySize(t: number): number {
  return t === 0 ? 0 : 1 + int32Size(t);
}

function pointsSize(w: ProtoWriter, points: NumberDataPoint[], temporality: number, monotonic: boolean): number {
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    const slot = w.reserve();
    const b = numberPointSize(w, points[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  n += temporalitySize(temporality);
  if (monotonic) n += 2;
  return n;
}

function exemplarsSize(w: ProtoWriter, exemplars: Exemplar[]): number {
  let n = 0;
  for (let i = 0; i < exemplars.length; i++) {
    const e = exemplars[i];
    const slot = w.reserve();
    let b = 9; // time: always
    if (e.asDouble !== undefined) b += 9;
    if (e.spanId.length !== 0) b += lenField(e.spanId.length);
    if (e.traceId.length !== 0) b += lenField(e.traceId.length);
    if (e.asDouble === undefined && e.asInt !== undefined) b += 9;
    b += attributesSize(w, e.filteredAttributes, 0);
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n;
}

function numberPointSize(w: ProtoWriter, p: NumberDataPoint): number {
  let n = 18; // start and time: always
  if (p.asDouble !== undefined) n += 9;
  n += exemplarsSize(w, p.exemplars);
  if (p.asDouble === undefined && p.asInt !== undefined) n += 9;
  n += attributesSize(w, p.attributes, 0);
  if (p.flags !== 0) n += 1 + varintSize(p.flags);
  return n;
}

function histogramSize(w: ProtoWriter, h: Histogram): number {
  let n = 0;
  const points = h.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const slot = w.reserve();
    let b = 27; // start, time, count: always
    if (p.sum !== undefined) b += 9;
    if (p.bucketCounts.length !== 0) b += lenField(p.bucketCounts.length * 8);
    if (p.explicitBounds.length !== 0) b += lenField(p.explicitBounds.length * 8);
    b += exemplarsSize(w, p.exemplars);
    b += attributesSize(w, p.attributes, 0);
    if (p.flags !== 0) b += 1 + varintSize(p.flags);
    if (p.min !== undefined) b += 9;
    if (p.max !== undefined) b += 9;
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n + temporalitySize(h.aggregationTemporality);
}

function bucketsSize(w: ProtoWriter, buckets: ExponentialHistogramBuckets): number {
  const slot = w.reserve();
  let b = 0;
  if (buckets.offset !== 0) b += 1 + sint32Size(buckets.offset);
  const counts = buckets.bucketCounts;
  if (counts.length !== 0) {
    let packed = 0;
    for (let i = 0; i < counts.length; i++) packed += varint64Size(counts[i]);
    w.setSize(w.reserve(), packed);
    b += lenField(packed);
  }
  w.setSize(slot, b);
  return lenField(b);
}

function exponentialSize(w: ProtoWriter, h: ExponentialHistogram): number {
  let n = 0;
  const points = h.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const slot = w.reserve();
    let b = attributesSize(w, p.attributes, 0);
    b += 27; // start, time, count: always
    if (p.sum !== undefined) b += 9;
    if (p.scale !== 0) b += 1 + sint32Size(p.scale);
    b += 9; // zero_count: always
    if (p.positive !== undefined) b += bucketsSize(w, p.positive);
    if (p.negative !== undefined) b += bucketsSize(w, p.negative);
    if (p.flags !== 0) b += 1 + varintSize(p.flags);
    b += exemplarsSize(w, p.exemplars);
    if (p.min !== undefined) b += 9;
    if (p.max !== undefined) b += 9;
    if (!isDefaultDouble(p.zeroThreshold)) b += 9;
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n + temporalitySize(h.aggregationTemporality);
}

function summarySize(w: ProtoWriter, s: Summary): number {
  let n = 0;
  const points = s.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const slot = w.reserve();
    let b = 27; // start, time, count: always
    if (!isDefaultDouble(p.sum)) b += 9;
    const qs = p.quantileValues;
    for (let q = 0; q < qs.length; q++) {
      let qb = 0;
      if (!isDefaultDouble(qs[q].quantile)) qb += 9;
      if (!isDefaultDouble(qs[q].value)) qb += 9;
      b += lenField(qb);
    }
    b += attributesSize(w, p.attributes, 0);
    if (p.flags !== 0) b += 1 + varintSize(p.flags);
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n;
}

// ---- write (pass 2) ----

export function writeMetricsRequest(w: ProtoWriter, req: ExportMetricsServiceRequest): void {
  const list = req.resourceMetrics;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(10);
    writeResourceMetrics(w, list[i]);
  }
}

function writeResourceMetrics(w: ProtoWriter, rm: ResourceMetrics): void {
  if (rm.resource !== undefined) {
    w.messageHeader(10);
    writeResource(w, rm.resource);
  }
  const list = rm.scopeMetrics;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(18);
    writeScopeMetrics(w, list[i]);
  }
  if (rm.schemaUrl !== '') {
    w.byte(26);
    w.string(rm.schemaUrl);
  }
}

function writeScopeMetrics(w: ProtoWriter, sm: ScopeMetrics): void {
  if (sm.scope !== undefined) {
    w.messageHeader(10);
    writeScope(w, sm.scope);
  }
  const list = sm.metrics;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(18);
    writeMetric(w, list[i]);
  }
  if (sm.schemaUrl !== '') {
    w.byte(26);
    w.string(sm.schemaUrl);
  }
}

function writeMetric(w: ProtoWriter, m: Metric): void {
  w.byte(10);
  w.string(m.name);
  if (m.description !== '') {
    w.byte(18);
    w.string(m.description);
  }
  if (m.unit !== '') {
    w.byte(26);
    w.string(m.unit);
  }
  if (m.gauge !== undefined) {
    w.messageHeader(42);
    writePoints(w, m.gauge.dataPoints, 0, false);
  } else if (m.sum !== undefined) {
    w.messageHeader(58);
    writePoints(w, m.sum.dataPoints, m.sum.aggregationTemporality, m.sum.isMonotonic);
  } else if (m.histogram !== undefined) {
    w.messageHeader(74);
    writeHistogram(w, m.histogram);
  } else if (m.exponentialHistogram !== undefined) {
    w.messageHeader(82);
    writeExponential(w, m.exponentialHistogram);
  } else if (m.summary !== undefined) {
    w.messageHeader(90);
    writeSummary(w, m.summary);
  } else {
    w.nextSize(); // the slot reserved for an absent data oneof
  }
  if (m.metadata !== undefined) writeAttributes(w, 98, m.metadata);
}

function writeTemporality(w: ProtoWriter, t: number): void {
  if (t !== 0) {
    w.byte(16);
    w.int32(t);
  }
}

function writePoints(w: ProtoWriter, points: NumberDataPoint[], temporality: number, monotonic: boolean): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(10);
    w.byte(17);
    w.fixed64(p.startTimeUnixNano);
    w.byte(25);
    w.fixed64(p.timeUnixNano);
    if (p.asDouble !== undefined) {
      w.byte(33);
      w.double(p.asDouble);
    }
    writeExemplars(w, 42, p.exemplars);
    if (p.asDouble === undefined && p.asInt !== undefined) {
      w.byte(49);
      w.fixed64(p.asInt);
    }
    writeAttributes(w, 58, p.attributes);
    if (p.flags !== 0) {
      w.byte(64);
      w.varint(p.flags);
    }
  }
  writeTemporality(w, temporality);
  if (monotonic) {
    w.byte(24);
    w.byte(1);
  }
}

function writeExemplars(w: ProtoWriter, tag: number, exemplars: Exemplar[]): void {
  for (let i = 0; i < exemplars.length; i++) {
    const e = exemplars[i];
    w.messageHeader(tag);
    w.byte(17);
    w.fixed64(e.timeUnixNano);
    if (e.asDouble !== undefined) {
      w.byte(25);
      w.double(e.asDouble);
    }
    if (e.spanId.length !== 0) {
      w.byte(34);
      w.bytes(e.spanId);
    }
    if (e.traceId.length !== 0) {
      w.byte(42);
      w.bytes(e.traceId);
    }
    if (e.asDouble === undefined && e.asInt !== undefined) {
      w.byte(49);
      w.fixed64(e.asInt);
    }
    writeAttributes(w, 58, e.filteredAttributes);
  }
}

function writeHistogram(w: ProtoWriter, h: Histogram): void {
  const points = h.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(10);
    w.byte(17);
    w.fixed64(p.startTimeUnixNano);
    w.byte(25);
    w.fixed64(p.timeUnixNano);
    w.byte(33);
    w.fixed64(p.count);
    if (p.sum !== undefined) {
      w.byte(41);
      w.double(p.sum);
    }
    const counts = p.bucketCounts;
    if (counts.length !== 0) {
      w.byte(50);
      w.varint(counts.length * 8);
      for (let c = 0; c < counts.length; c++) w.fixed64(counts[c]);
    }
    const bounds = p.explicitBounds;
    if (bounds.length !== 0) {
      w.byte(58);
      w.varint(bounds.length * 8);
      for (let c = 0; c < bounds.length; c++) w.double(bounds[c]);
    }
    writeExemplars(w, 66, p.exemplars);
    writeAttributes(w, 74, p.attributes);
    if (p.flags !== 0) {
      w.byte(80);
      w.varint(p.flags);
    }
    if (p.min !== undefined) {
      w.byte(89);
      w.double(p.min);
    }
    if (p.max !== undefined) {
      w.byte(97);
      w.double(p.max);
    }
  }
  writeTemporality(w, h.aggregationTemporality);
}

function writeBuckets(w: ProtoWriter, tag: number, buckets: ExponentialHistogramBuckets): void {
  w.messageHeader(tag);
  if (buckets.offset !== 0) {
    w.byte(8);
    w.sint32(buckets.offset);
  }
  const counts = buckets.bucketCounts;
  if (counts.length !== 0) {
    w.byte(18);
    w.varint(w.nextSize());
    for (let i = 0; i < counts.length; i++) w.varint64(counts[i]);
  }
}

function writeExponential(w: ProtoWriter, h: ExponentialHistogram): void {
  const points = h.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(10);
    writeAttributes(w, 10, p.attributes);
    w.byte(17);
    w.fixed64(p.startTimeUnixNano);
    w.byte(25);
    w.fixed64(p.timeUnixNano);
    w.byte(33);
    w.fixed64(p.count);
    if (p.sum !== undefined) {
      w.byte(41);
      w.double(p.sum);
    }
    if (p.scale !== 0) {
      w.byte(48);
      w.sint32(p.scale);
    }
    w.byte(57);
    w.fixed64(p.zeroCount);
    if (p.positive !== undefined) writeBuckets(w, 66, p.positive);
    if (p.negative !== undefined) writeBuckets(w, 74, p.negative);
    if (p.flags !== 0) {
      w.byte(80);
      w.varint(p.flags);
    }
    writeExemplars(w, 90, p.exemplars);
    if (p.min !== undefined) {
      w.byte(97);
      w.double(p.min);
    }
    if (p.max !== undefined) {
      w.byte(105);
      w.double(p.max);
    }
    if (!isDefaultDouble(p.zeroThreshold)) {
      w.byte(113);
      w.double(p.zeroThreshold);
    }
  }
  writeTemporality(w, h.aggregationTemporality);
}

function writeSummary(w: ProtoWriter, s: Summary): void {
  const points = s.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(10);
    w.byte(17);
    w.fixed64(p.startTimeUnixNano);
    w.byte(25);
    w.fixed64(p.timeUnixNano);
    w.byte(33);
    w.fixed64(p.count);
    if (!isDefaultDouble(p.sum)) {
      w.byte(41);
      w.double(p.sum);
    }
    const qs = p.quantileValues;
    for (let q = 0; q < qs.length; q++) {
      const hasQ = !isDefaultDouble(qs[q].quantile);
      const hasV = !isDefaultDouble(qs[q].value);
      w.byte(50);
      w.byte((hasQ ? 9 : 0) + (hasV ? 9 : 0));
      if (hasQ) {
        w.byte(9);
        w.double(qs[q].quantile);
      }
      if (hasV) {
        w.byte(17);
        w.double(qs[q].value);
      }
    }
    writeAttributes(w, 58, p.attributes);
    if (p.flags !== 0) {
      w.byte(64);
      w.varint(p.flags);
    }
  }
}
