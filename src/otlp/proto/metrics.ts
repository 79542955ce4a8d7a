// Protobuf codec for opentelemetry/proto/metrics/v1 and collector/metrics/v1: the Metric, its
// five kinds and their data points. The request, ResourceMetrics and ScopeMetrics envelopes are
// envelope.ts's; field numbers and tags come from the schema table (schema.ts).
import type {
  Exemplar,
  ExponentialHistogram,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  Gauge,
  Histogram,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  Sum,
  Summary,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../types.ts';
import { attributesSize, pushKeyValue, writeAttributes } from './common.ts';
import { checkId, EMPTY_BYTES, FIXED64, ProtoReader, VARINT } from './reader.ts';
import { knownFields, TAG } from './schema.ts';
import { int32Size, lenField, ProtoWriter, sint32Size, varint64Size, varintSize } from './writer.ts';

const METRIC = TAG.Metric;
const SUM = TAG.Sum;
const HISTOGRAM_METRIC = TAG.Histogram;
const EXP_METRIC = TAG.ExponentialHistogram;
const SUMMARY = TAG.Summary;
const NUMBER = TAG.NumberDataPoint;
const HISTOGRAM = TAG.HistogramDataPoint;
const EXP = TAG.ExponentialHistogramDataPoint;
const BUCKETS = TAG['ExponentialHistogramDataPoint.Buckets'];
const SUMMARY_POINT = TAG.SummaryDataPoint;
const QUANTILE = TAG['SummaryDataPoint.ValueAtQuantile'];
const EXEMPLAR = TAG.Exemplar;

// A packed repeated field may also arrive one element per field, with the element's wire type.
const UNPACKED_BUCKET_COUNT = (HISTOGRAM.bucketCounts & ~7) | FIXED64;
const UNPACKED_EXPLICIT_BOUND = (HISTOGRAM.explicitBounds & ~7) | FIXED64;
const UNPACKED_EXP_BUCKET_COUNT = (BUCKETS.bucketCounts & ~7) | VARINT;

const METRIC_FIELDS = knownFields('Metric');
// Known fields per point container: a wrong wire type is an error only for a field the message
// has; Gauge has no field 2 and Summary no field 2 or 3, so those are unknown and skipped.
const GAUGE_FIELDS = knownFields('Gauge');
const SUM_FIELDS = knownFields('Sum');
const HISTOGRAM_CONTAINER_FIELDS = knownFields('Histogram');
const EXP_CONTAINER_FIELDS = knownFields('ExponentialHistogram');
const SUMMARY_CONTAINER_FIELDS = knownFields('Summary');
const NUMBER_FIELDS = knownFields('NumberDataPoint');
const HISTOGRAM_FIELDS = knownFields('HistogramDataPoint');
const EXP_FIELDS = knownFields('ExponentialHistogramDataPoint');
const BUCKETS_FIELDS = knownFields('ExponentialHistogramDataPoint.Buckets');
const SUMMARY_FIELDS = knownFields('SummaryDataPoint');
const QUANTILE_FIELDS = knownFields('SummaryDataPoint.ValueAtQuantile');
const EXEMPLAR_FIELDS = knownFields('Exemplar');

/** proto3 implicit presence for doubles: only +0 is the default (-0 is written). */
function isDefaultDouble(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

// ---- decode ----

export function decodeMetric(r: ProtoReader, end: number): Metric {
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
      case METRIC.name:
        name = r.string(end);
        break;
      case METRIC.description:
        description = r.string(end);
        break;
      case METRIC.unit:
        unit = r.string(end);
        break;
      // A oneof: the last member on the wire wins, as protobuf specifies.
      case METRIC.gauge:
        gauge = { dataPoints: decodeNumberPoints(r, r.sub(end), GAUGE_FIELDS, 'Gauge').dataPoints };
        sum = histogram = exponentialHistogram = summary = undefined;
        break;
      case METRIC.sum:
        sum = decodeNumberPoints(r, r.sub(end), SUM_FIELDS, 'Sum');
        gauge = histogram = exponentialHistogram = summary = undefined;
        break;
      case METRIC.histogram:
        histogram = decodeHistogram(r, r.sub(end));
        gauge = sum = exponentialHistogram = summary = undefined;
        break;
      case METRIC.exponentialHistogram:
        exponentialHistogram = decodeExponentialHistogram(r, r.sub(end));
        gauge = sum = histogram = summary = undefined;
        break;
      case METRIC.summary:
        summary = decodeSummary(r, r.sub(end));
        gauge = sum = histogram = exponentialHistogram = undefined;
        break;
      case METRIC.metadata:
        pushKeyValue(r, end, metadata);
        break;
      default:
        r.unknown(t, end, METRIC_FIELDS, 'Metric');
    }
  }
  return { name, description, unit, gauge, sum, histogram, exponentialHistogram, summary, metadata };
}

/** Gauge and Sum share a layout; a Gauge simply has no temporality or monotonic flag. */
function decodeNumberPoints(r: ProtoReader, end: number, known: number, message: 'Gauge' | 'Sum'): Sum {
  const dataPoints: NumberDataPoint[] = [];
  let aggregationTemporality = 0;
  let isMonotonic = false;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === SUM.dataPoints) dataPoints.push(decodeNumberDataPoint(r, r.sub(end)));
    else if (t === SUM.aggregationTemporality) aggregationTemporality = r.varint32(end) | 0;
    else if (t === SUM.isMonotonic) isMonotonic = r.varint32(end) !== 0;
    else r.unknown(t, end, known, message);
  }
  return { dataPoints, aggregationTemporality, isMonotonic };
}

function decodeHistogram(r: ProtoReader, end: number): Histogram {
  const dataPoints: HistogramDataPoint[] = [];
  let aggregationTemporality = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === HISTOGRAM_METRIC.dataPoints) dataPoints.push(decodeHistogramDataPoint(r, r.sub(end)));
    else if (t === HISTOGRAM_METRIC.aggregationTemporality) aggregationTemporality = r.varint32(end) | 0;
    else r.unknown(t, end, HISTOGRAM_CONTAINER_FIELDS, 'Histogram');
  }
  return { dataPoints, aggregationTemporality };
}

function decodeExponentialHistogram(r: ProtoReader, end: number): ExponentialHistogram {
  const dataPoints: ExponentialHistogramDataPoint[] = [];
  let aggregationTemporality = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === EXP_METRIC.dataPoints) dataPoints.push(decodeExponentialDataPoint(r, r.sub(end)));
    else if (t === EXP_METRIC.aggregationTemporality) aggregationTemporality = r.varint32(end) | 0;
    else r.unknown(t, end, EXP_CONTAINER_FIELDS, 'ExponentialHistogram');
  }
  return { dataPoints, aggregationTemporality };
}

function decodeSummary(r: ProtoReader, end: number): Summary {
  const dataPoints: SummaryDataPoint[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === SUMMARY.dataPoints) dataPoints.push(decodeSummaryDataPoint(r, r.sub(end)));
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
      case NUMBER.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case NUMBER.startTimeUnixNano:
        startTimeUnixNano = r.fixed64(end);
        break;
      case NUMBER.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case NUMBER.asDouble:
        asDouble = r.double(end);
        asInt = undefined;
        break;
      case NUMBER.asInt:
        asInt = r.sfixed64(end);
        asDouble = undefined;
        break;
      case NUMBER.exemplars:
        exemplars.push(decodeExemplar(r, r.sub(end)));
        break;
      case NUMBER.flags:
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
      case HISTOGRAM.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case HISTOGRAM.startTimeUnixNano:
        startTimeUnixNano = r.fixed64(end);
        break;
      case HISTOGRAM.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case HISTOGRAM.count:
        count = r.fixed64(end);
        break;
      case HISTOGRAM.sum:
        sum = r.double(end);
        break;
      case HISTOGRAM.bucketCounts:
        readPackedFixed64(r, end, bucketCounts);
        break;
      case UNPACKED_BUCKET_COUNT:
        bucketCounts.push(r.fixed64(end));
        break;
      case HISTOGRAM.explicitBounds:
        readPackedDouble(r, end, explicitBounds);
        break;
      case UNPACKED_EXPLICIT_BOUND:
        explicitBounds.push(r.double(end));
        break;
      case HISTOGRAM.exemplars:
        exemplars.push(decodeExemplar(r, r.sub(end)));
        break;
      case HISTOGRAM.flags:
        flags = r.varint32(end);
        break;
      case HISTOGRAM.min:
        min = r.double(end);
        break;
      case HISTOGRAM.max:
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
    if (t === BUCKETS.offset) {
      const z = r.varint32(end);
      offset = (z >>> 1) ^ -(z & 1);
    } else if (t === BUCKETS.bucketCounts) {
      const stop = r.sub(end);
      while (r.pos < stop) bucketCounts.push(r.varint64(stop));
    } else if (t === UNPACKED_EXP_BUCKET_COUNT) bucketCounts.push(r.varint64(end));
    else r.unknown(t, end, BUCKETS_FIELDS, 'ExponentialHistogramDataPoint.Buckets');
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
      case EXP.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case EXP.startTimeUnixNano:
        startTimeUnixNano = r.fixed64(end);
        break;
      case EXP.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case EXP.count:
        count = r.fixed64(end);
        break;
      case EXP.sum:
        sum = r.double(end);
        break;
      case EXP.scale: {
        const z = r.varint32(end);
        scale = (z >>> 1) ^ -(z & 1);
        break;
      }
      case EXP.zeroCount:
        zeroCount = r.fixed64(end);
        break;
      case EXP.positive:
        positive = decodeBuckets(r, r.sub(end));
        break;
      case EXP.negative:
        negative = decodeBuckets(r, r.sub(end));
        break;
      case EXP.flags:
        flags = r.varint32(end);
        break;
      case EXP.exemplars:
        exemplars.push(decodeExemplar(r, r.sub(end)));
        break;
      case EXP.min:
        min = r.double(end);
        break;
      case EXP.max:
        max = r.double(end);
        break;
      case EXP.zeroThreshold:
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
      case SUMMARY_POINT.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case SUMMARY_POINT.startTimeUnixNano:
        startTimeUnixNano = r.fixed64(end);
        break;
      case SUMMARY_POINT.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case SUMMARY_POINT.count:
        count = r.fixed64(end);
        break;
      case SUMMARY_POINT.sum:
        sum = r.double(end);
        break;
      case SUMMARY_POINT.quantileValues: {
        const stop = r.sub(end);
        let quantile = 0;
        let value = 0;
        while (r.pos < stop) {
          const qt = r.tag(stop);
          if (qt === QUANTILE.quantile) quantile = r.double(stop);
          else if (qt === QUANTILE.value) value = r.double(stop);
          else r.unknown(qt, stop, QUANTILE_FIELDS, 'SummaryDataPoint.ValueAtQuantile');
        }
        quantileValues.push({ quantile, value });
        break;
      }
      case SUMMARY_POINT.flags:
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
      case EXEMPLAR.filteredAttributes:
        pushKeyValue(r, end, filteredAttributes);
        break;
      case EXEMPLAR.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case EXEMPLAR.asDouble:
        asDouble = r.double(end);
        asInt = undefined;
        break;
      case EXEMPLAR.asInt:
        asInt = r.sfixed64(end);
        asDouble = undefined;
        break;
      case EXEMPLAR.spanId:
        spanId = r.bytes(end);
        break;
      case EXEMPLAR.traceId:
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

export function metricSize(w: ProtoWriter, m: Metric): number {
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

export function writeMetric(w: ProtoWriter, m: Metric): void {
  w.byte(METRIC.name);
  w.string(m.name);
  if (m.description !== '') {
    w.byte(METRIC.description);
    w.string(m.description);
  }
  if (m.unit !== '') {
    w.byte(METRIC.unit);
    w.string(m.unit);
  }
  if (m.gauge !== undefined) {
    w.messageHeader(METRIC.gauge);
    writePoints(w, m.gauge.dataPoints, 0, false);
  } else if (m.sum !== undefined) {
    w.messageHeader(METRIC.sum);
    writePoints(w, m.sum.dataPoints, m.sum.aggregationTemporality, m.sum.isMonotonic);
  } else if (m.histogram !== undefined) {
    w.messageHeader(METRIC.histogram);
    writeHistogram(w, m.histogram);
  } else if (m.exponentialHistogram !== undefined) {
    w.messageHeader(METRIC.exponentialHistogram);
    writeExponential(w, m.exponentialHistogram);
  } else if (m.summary !== undefined) {
    w.messageHeader(METRIC.summary);
    writeSummary(w, m.summary);
  } else {
    w.nextSize(); // the slot reserved for an absent data oneof
  }
  if (m.metadata !== undefined) writeAttributes(w, METRIC.metadata, m.metadata);
}

function writeTemporality(w: ProtoWriter, tag: number, t: number): void {
  if (t !== 0) {
    w.byte(tag);
    w.int32(t);
  }
}

function writePoints(w: ProtoWriter, points: NumberDataPoint[], temporality: number, monotonic: boolean): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(SUM.dataPoints);
    w.byte(NUMBER.startTimeUnixNano);
    w.fixed64(p.startTimeUnixNano);
    w.byte(NUMBER.timeUnixNano);
    w.fixed64(p.timeUnixNano);
    if (p.asDouble !== undefined) {
      w.byte(NUMBER.asDouble);
      w.double(p.asDouble);
    }
    writeExemplars(w, NUMBER.exemplars, p.exemplars);
    if (p.asDouble === undefined && p.asInt !== undefined) {
      w.byte(NUMBER.asInt);
      w.fixed64(p.asInt);
    }
    writeAttributes(w, NUMBER.attributes, p.attributes);
    if (p.flags !== 0) {
      w.byte(NUMBER.flags);
      w.varint(p.flags);
    }
  }
  writeTemporality(w, SUM.aggregationTemporality, temporality);
  if (monotonic) {
    w.byte(SUM.isMonotonic);
    w.byte(1);
  }
}

function writeExemplars(w: ProtoWriter, tag: number, exemplars: Exemplar[]): void {
  for (let i = 0; i < exemplars.length; i++) {
    const e = exemplars[i];
    w.messageHeader(tag);
    w.byte(EXEMPLAR.timeUnixNano);
    w.fixed64(e.timeUnixNano);
    if (e.asDouble !== undefined) {
      w.byte(EXEMPLAR.asDouble);
      w.double(e.asDouble);
    }
    if (e.spanId.length !== 0) {
      w.byte(EXEMPLAR.spanId);
      w.bytes(e.spanId);
    }
    if (e.traceId.length !== 0) {
      w.byte(EXEMPLAR.traceId);
      w.bytes(e.traceId);
    }
    if (e.asDouble === undefined && e.asInt !== undefined) {
      w.byte(EXEMPLAR.asInt);
      w.fixed64(e.asInt);
    }
    writeAttributes(w, EXEMPLAR.filteredAttributes, e.filteredAttributes);
  }
}

function writeHistogram(w: ProtoWriter, h: Histogram): void {
  const points = h.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(HISTOGRAM_METRIC.dataPoints);
    w.byte(HISTOGRAM.startTimeUnixNano);
    w.fixed64(p.startTimeUnixNano);
    w.byte(HISTOGRAM.timeUnixNano);
    w.fixed64(p.timeUnixNano);
    w.byte(HISTOGRAM.count);
    w.fixed64(p.count);
    if (p.sum !== undefined) {
      w.byte(HISTOGRAM.sum);
      w.double(p.sum);
    }
    const counts = p.bucketCounts;
    if (counts.length !== 0) {
      w.byte(HISTOGRAM.bucketCounts);
      w.varint(counts.length * 8);
      for (let c = 0; c < counts.length; c++) w.fixed64(counts[c]);
    }
    const bounds = p.explicitBounds;
    if (bounds.length !== 0) {
      w.byte(HISTOGRAM.explicitBounds);
      w.varint(bounds.length * 8);
      for (let c = 0; c < bounds.length; c++) w.double(bounds[c]);
    }
    writeExemplars(w, HISTOGRAM.exemplars, p.exemplars);
    writeAttributes(w, HISTOGRAM.attributes, p.attributes);
    if (p.flags !== 0) {
      w.byte(HISTOGRAM.flags);
      w.varint(p.flags);
    }
    if (p.min !== undefined) {
      w.byte(HISTOGRAM.min);
      w.double(p.min);
    }
    if (p.max !== undefined) {
      w.byte(HISTOGRAM.max);
      w.double(p.max);
    }
  }
  writeTemporality(w, HISTOGRAM_METRIC.aggregationTemporality, h.aggregationTemporality);
}

function writeBuckets(w: ProtoWriter, tag: number, buckets: ExponentialHistogramBuckets): void {
  w.messageHeader(tag);
  if (buckets.offset !== 0) {
    w.byte(BUCKETS.offset);
    w.sint32(buckets.offset);
  }
  const counts = buckets.bucketCounts;
  if (counts.length !== 0) {
    w.byte(BUCKETS.bucketCounts);
    w.varint(w.nextSize());
    for (let i = 0; i < counts.length; i++) w.varint64(counts[i]);
  }
}

function writeExponential(w: ProtoWriter, h: ExponentialHistogram): void {
  const points = h.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(EXP_METRIC.dataPoints);
    writeAttributes(w, EXP.attributes, p.attributes);
    w.byte(EXP.startTimeUnixNano);
    w.fixed64(p.startTimeUnixNano);
    w.byte(EXP.timeUnixNano);
    w.fixed64(p.timeUnixNano);
    w.byte(EXP.count);
    w.fixed64(p.count);
    if (p.sum !== undefined) {
      w.byte(EXP.sum);
      w.double(p.sum);
    }
    if (p.scale !== 0) {
      w.byte(EXP.scale);
      w.sint32(p.scale);
    }
    w.byte(EXP.zeroCount);
    w.fixed64(p.zeroCount);
    if (p.positive !== undefined) writeBuckets(w, EXP.positive, p.positive);
    if (p.negative !== undefined) writeBuckets(w, EXP.negative, p.negative);
    if (p.flags !== 0) {
      w.byte(EXP.flags);
      w.varint(p.flags);
    }
    writeExemplars(w, EXP.exemplars, p.exemplars);
    if (p.min !== undefined) {
      w.byte(EXP.min);
      w.double(p.min);
    }
    if (p.max !== undefined) {
      w.byte(EXP.max);
      w.double(p.max);
    }
    if (!isDefaultDouble(p.zeroThreshold)) {
      w.byte(EXP.zeroThreshold);
      w.double(p.zeroThreshold);
    }
  }
  writeTemporality(w, EXP_METRIC.aggregationTemporality, h.aggregationTemporality);
}

function writeSummary(w: ProtoWriter, s: Summary): void {
  const points = s.dataPoints;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    w.messageHeader(SUMMARY.dataPoints);
    w.byte(SUMMARY_POINT.startTimeUnixNano);
    w.fixed64(p.startTimeUnixNano);
    w.byte(SUMMARY_POINT.timeUnixNano);
    w.fixed64(p.timeUnixNano);
    w.byte(SUMMARY_POINT.count);
    w.fixed64(p.count);
    if (!isDefaultDouble(p.sum)) {
      w.byte(SUMMARY_POINT.sum);
      w.double(p.sum);
    }
    const qs = p.quantileValues;
    for (let q = 0; q < qs.length; q++) {
      const hasQ = !isDefaultDouble(qs[q].quantile);
      const hasV = !isDefaultDouble(qs[q].value);
      w.byte(SUMMARY_POINT.quantileValues);
      w.byte((hasQ ? 9 : 0) + (hasV ? 9 : 0));
      if (hasQ) {
        w.byte(QUANTILE.quantile);
        w.double(qs[q].quantile);
      }
      if (hasV) {
        w.byte(QUANTILE.value);
        w.double(qs[q].value);
      }
    }
    writeAttributes(w, SUMMARY_POINT.attributes, p.attributes);
    if (p.flags !== 0) {
      w.byte(SUMMARY_POINT.flags);
      w.varint(p.flags);
    }
  }
}
