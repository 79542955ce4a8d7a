import { canonicalAttributes, canonicalText } from './canonical.ts';
import type {
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../otlp/types.ts';

// Redaction can make two points of one metric identical in attributes (two users' emails both
// become ****). Points that also share start and time are merged so that a backend does not see
// a duplicate series at one instant and keep an arbitrary one:
// - sum: values add (int stays int; int with double becomes double);
// - gauge: the later point wins (batch order, since their times are equal);
// - histogram: with identical bounds, buckets, count and sum add, min/max combine; points with
//   different bounds stay separate;
// - exponential histogram: with equal zero thresholds, the finer scale is downscaled to the
//   coarser one and buckets add at any offsets; different zero thresholds stay separate;
// - summary: count and sum add; quantiles cannot be merged, so those of the point with the larger
//   count are kept.
// Exemplars are concatenated. Called only for metrics whose point attributes the redaction changed.

interface Point {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
}

type Merge<P> = (into: P, from: P) => boolean;

/** Merges colliding points of `metric` in place; returns how many points were merged away. */
export function mergeCollidingPoints(metric: Metric): number {
  if (metric.sum !== undefined) return mergeList(metric.sum.dataPoints, mergeSum);
  if (metric.gauge !== undefined) return mergeList(metric.gauge.dataPoints, keepLater);
  if (metric.histogram !== undefined) return mergeList(metric.histogram.dataPoints, mergeHistogram);
  if (metric.exponentialHistogram !== undefined) return mergeList(metric.exponentialHistogram.dataPoints, mergeExponential);
  if (metric.summary !== undefined) return mergeList(metric.summary.dataPoints, mergeSummary);
  return 0;
}

function mergeList<P extends Point>(points: P[], merge: Merge<P>): number {
  if (points.length < 2 || !mayCollide(points)) return 0;
  const firstByIdentity = new Map<string, number>();
  let write = 0;
  for (let read = 0; read < points.length; read++) {
    const point = points[read];
    const identity = `${point.startTimeUnixNano}|${point.timeUnixNano}|${canonicalAttributes(point.attributes)}`;
    const at = firstByIdentity.get(identity);
    if (at !== undefined && merge(points[at], point)) continue;
    if (at === undefined) firstByIdentity.set(identity, write);
    points[write++] = point;
  }
  const merged = points.length - write;
  points.length = write;
  return merged;
}

/**
 * Whether two points may share an identity: no two hashes of their attribute sets meet. The hash
 * is order-independent, as canonicalAttributes is, and equal wherever the identities are (times
 * are left out: points with equal attributes at other times only cost the exact comparison), so
 * the identity strings are built only for metrics where redaction may have made points collide.
 */
function mayCollide(points: readonly Point[]): boolean {
  const seen = new Set<number>();
  for (let p = 0; p < points.length; p++) {
    const attributes = points[p].attributes;
    let hash = attributes.length;
    for (let i = 0; i < attributes.length; i++) hash = (hash + attributeHash(attributes[i])) | 0;
    if (seen.has(hash)) return true;
    seen.add(hash);
  }
  return false;
}

/** A hash of a key and its value's canonical text (a string value hashed as itself, without a copy). */
function attributeHash(kv: KeyValue): number {
  const text = kv.value.stringValue;
  const value = text !== undefined ? stringHash(text, 0x9e3779b1) : stringHash(canonicalText(kv.value), 0x85ebca6b);
  return Math.imul(stringHash(kv.key, 0x27d4eb2f) ^ Math.imul(value, 0x165667b1), 0x2545f491);
}

function stringHash(text: string, seed: number): number {
  let hash = seed ^ text.length;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

function mergeSum(into: NumberDataPoint, from: NumberDataPoint): boolean {
  if (into.asInt !== undefined && from.asInt !== undefined) {
    into.asInt += from.asInt;
  } else {
    into.asDouble = numberValue(into) + numberValue(from);
    into.asInt = undefined;
  }
  appendExemplars(into, from);
  return true;
}

function keepLater(into: NumberDataPoint, from: NumberDataPoint): boolean {
  into.asInt = from.asInt;
  into.asDouble = from.asDouble;
  into.flags = from.flags;
  into.exemplars = from.exemplars;
  return true;
}

function numberValue(point: NumberDataPoint): number {
  return point.asInt !== undefined ? Number(point.asInt) : (point.asDouble ?? 0);
}

function appendExemplars(into: { exemplars: unknown[] }, from: { exemplars: unknown[] }): void {
  for (let i = 0; i < from.exemplars.length; i++) into.exemplars.push(from.exemplars[i]);
}

function sameBounds(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function mergeHistogram(into: HistogramDataPoint, from: HistogramDataPoint): boolean {
  if (!sameBounds(into.explicitBounds, from.explicitBounds) || into.bucketCounts.length !== from.bucketCounts.length) {
    return false;
  }
  for (let i = 0; i < into.bucketCounts.length; i++) into.bucketCounts[i] += from.bucketCounts[i];
  into.count += from.count;
  into.sum = addOptional(into.sum, from.sum);
  into.min = combine(into.min, from.min, Math.min);
  into.max = combine(into.max, from.max, Math.max);
  appendExemplars(into, from);
  return true;
}

/** A sum is known only when both parts are. */
function addOptional(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}

function combine(a: number | undefined, b: number | undefined, pick: (x: number, y: number) => number): number | undefined {
  return a === undefined || b === undefined ? undefined : pick(a, b);
}

function mergeExponential(into: ExponentialHistogramDataPoint, from: ExponentialHistogramDataPoint): boolean {
  if (into.zeroThreshold !== from.zeroThreshold) return false;
  const scale = Math.min(into.scale, from.scale);
  into.positive = mergeBuckets(into.positive, into.scale - scale, from.positive, from.scale - scale);
  into.negative = mergeBuckets(into.negative, into.scale - scale, from.negative, from.scale - scale);
  into.scale = scale;
  into.count += from.count;
  into.zeroCount += from.zeroCount;
  into.sum = addOptional(into.sum, from.sum);
  into.min = combine(into.min, from.min, Math.min);
  into.max = combine(into.max, from.max, Math.max);
  appendExemplars(into, from);
  return true;
}

/**
 * Bucket i at scale s covers bucket i >> d at scale s - d (an arithmetic shift floors, which is
 * right for negative indexes too).
 */
function mergeBuckets(
  a: ExponentialHistogramBuckets | undefined,
  aShift: number,
  b: ExponentialHistogramBuckets | undefined,
  bShift: number,
): ExponentialHistogramBuckets | undefined {
  const aEmpty = a === undefined || a.bucketCounts.length === 0;
  const bEmpty = b === undefined || b.bucketCounts.length === 0;
  if (aEmpty && bEmpty) return a ?? b;
  let low = Infinity;
  let high = -Infinity;
  if (!aEmpty) {
    low = Math.min(low, a.offset >> aShift);
    high = Math.max(high, (a.offset + a.bucketCounts.length - 1) >> aShift);
  }
  if (!bEmpty) {
    low = Math.min(low, b.offset >> bShift);
    high = Math.max(high, (b.offset + b.bucketCounts.length - 1) >> bShift);
  }
  const counts = new Array<bigint>(high - low + 1).fill(0n);
  if (!aEmpty) for (let i = 0; i < a.bucketCounts.length; i++) counts[((a.offset + i) >> aShift) - low] += a.bucketCounts[i];
  if (!bEmpty) for (let i = 0; i < b.bucketCounts.length; i++) counts[((b.offset + i) >> bShift) - low] += b.bucketCounts[i];
  return { offset: low, bucketCounts: counts };
}

function mergeSummary(into: SummaryDataPoint, from: SummaryDataPoint): boolean {
  if (from.count > into.count) into.quantileValues = from.quantileValues;
  into.count += from.count;
  into.sum += from.sum;
  return true;
}
