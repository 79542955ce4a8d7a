import type { ExponentialHistogramBuckets, ExponentialHistogramDataPoint, KeyValue } from '../../otlp/types.ts';
import type { AnyPoint, PointMerger } from './point-kind.ts';
import type { SeriesTable } from './series-table.ts';

/** Dense buckets: counts[i] belongs to bucket index offset + i. */
interface Buckets {
  offset: number;
  counts: number[];
}

interface ExponentialSnapshot {
  start: bigint;
  scale: number;
  count: number;
  sum: number;
  zeroCount: number;
  positive: Buckets;
  negative: Buckets;
}

function bucketsOf(buckets: ExponentialHistogramBuckets | undefined): Buckets {
  if (buckets === undefined) return { offset: 0, counts: [] };
  const counts = new Array<number>(buckets.bucketCounts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = Number(buckets.bucketCounts[i]);
  return { offset: buckets.offset, counts };
}

function snapshotOf(point: ExponentialHistogramDataPoint): ExponentialSnapshot {
  return {
    start: point.startTimeUnixNano,
    scale: point.scale,
    count: Number(point.count),
    sum: point.sum ?? 0,
    zeroCount: Number(point.zeroCount),
    positive: bucketsOf(point.positive),
    negative: bucketsOf(point.negative),
  };
}

/** Lowering the scale by `by` merges 2^by neighbouring buckets: index i becomes i >> by. */
export function downscale(buckets: Buckets, by: number): Buckets {
  if (by <= 0 || buckets.counts.length === 0) return buckets;
  const offset = buckets.offset >> by;
  const last = (buckets.offset + buckets.counts.length - 1) >> by;
  const counts = new Array<number>(last - offset + 1).fill(0);
  for (let i = 0; i < buckets.counts.length; i++) counts[((buckets.offset + i) >> by) - offset] += buckets.counts[i];
  return { offset, counts };
}

/** target += sign * source, widening target as needed; both at the same scale. */
function addBuckets(target: Buckets, source: Buckets, sign: number): Buckets {
  if (source.counts.length === 0) return target;
  if (target.counts.length === 0) {
    const counts = new Array<number>(source.counts.length);
    for (let i = 0; i < counts.length; i++) counts[i] = sign * source.counts[i];
    return { offset: source.offset, counts };
  }
  const offset = Math.min(target.offset, source.offset);
  const end = Math.max(target.offset + target.counts.length, source.offset + source.counts.length);
  let result = target;
  if (offset !== target.offset || end !== target.offset + target.counts.length) {
    const counts = new Array<number>(end - offset).fill(0);
    for (let i = 0; i < target.counts.length; i++) counts[target.offset - offset + i] = target.counts[i];
    result = { offset, counts };
  }
  for (let i = 0; i < source.counts.length; i++) result.counts[source.offset - result.offset + i] += sign * source.counts[i];
  return result;
}

function atScale(snapshot: ExponentialSnapshot, scale: number): ExponentialSnapshot {
  if (snapshot.scale === scale) return snapshot;
  const by = snapshot.scale - scale;
  return { ...snapshot, scale, positive: downscale(snapshot.positive, by), negative: downscale(snapshot.negative, by) };
}

function increaseOf(current: ExponentialSnapshot, last: ExponentialSnapshot | undefined): ExponentialSnapshot {
  if (last === undefined || last.start !== current.start || current.count < last.count) return current;
  const scale = Math.min(current.scale, last.scale);
  const now = atScale(current, scale);
  const before = atScale(last, scale);
  return {
    start: current.start,
    scale,
    count: current.count - last.count,
    sum: current.sum - last.sum,
    zeroCount: current.zeroCount - last.zeroCount,
    positive: addBuckets(addBuckets({ offset: 0, counts: [] }, now.positive, 1), before.positive, -1),
    negative: addBuckets(addBuckets({ offset: 0, counts: [] }, now.negative, 1), before.negative, -1),
  };
}

function bucketsOut(buckets: Buckets): ExponentialHistogramBuckets {
  const bucketCounts = new Array<bigint>(buckets.counts.length);
  for (let i = 0; i < bucketCounts.length; i++) bucketCounts[i] = BigInt(Math.round(buckets.counts[i]));
  return { offset: buckets.offset, bucketCounts };
}

/**
 * Exponential histograms merge at the lowest scale seen: a finer point (or the accumulated
 * state) is downscaled first, then counts add bucket-wise. The zero bucket adds and keeps the
 * widest zero threshold. Cumulative sources add their increase, as for sums.
 */
export class ExponentialHistogramMerger implements PointMerger {
  touched = false;
  readonly #cumulative: boolean;
  #state: ExponentialSnapshot | null = null;
  #hasSum = false;
  #min = Infinity;
  #max = -Infinity;
  #zeroThreshold = 0;
  #start = 0n;
  #startFixed = false;
  #time = 0n;

  constructor(cumulative: boolean) {
    this.#cumulative = cumulative;
  }

  add(anyPoint: AnyPoint, table: SeriesTable, source: number): void {
    const point = anyPoint as ExponentialHistogramDataPoint;
    let increase = snapshotOf(point);
    if (this.#cumulative && source >= 0) {
      const current = increase;
      increase = increaseOf(current, table.lastShape[source] as ExponentialSnapshot | undefined);
      table.lastShape[source] = current;
    }
    this.#merge(increase);
    if (point.sum !== undefined) this.#hasSum = true;
    if (point.min !== undefined && point.min < this.#min) this.#min = point.min;
    if (point.max !== undefined && point.max > this.#max) this.#max = point.max;
    if (point.zeroThreshold > this.#zeroThreshold) this.#zeroThreshold = point.zeroThreshold;
    if (this.#cumulative) {
      if (!this.#startFixed) {
        this.#start = point.startTimeUnixNano;
        this.#startFixed = true;
      }
    } else if (!this.touched || point.startTimeUnixNano < this.#start) {
      this.#start = point.startTimeUnixNano;
    }
    if (!this.touched || point.timeUnixNano > this.#time) this.#time = point.timeUnixNano;
    this.touched = true;
  }

  #merge(increase: ExponentialSnapshot): void {
    const state = this.#state;
    if (state === null) {
      this.#state = {
        ...increase,
        positive: addBuckets({ offset: 0, counts: [] }, increase.positive, 1),
        negative: addBuckets({ offset: 0, counts: [] }, increase.negative, 1),
      };
      return;
    }
    const scale = Math.min(state.scale, increase.scale);
    const base = atScale(state, scale);
    const add = atScale(increase, scale);
    this.#state = {
      start: base.start,
      scale,
      count: base.count + add.count,
      sum: base.sum + add.sum,
      zeroCount: base.zeroCount + add.zeroCount,
      positive: addBuckets(base.positive, add.positive, 1),
      negative: addBuckets(base.negative, add.negative, 1),
    };
  }

  emit(attributes: KeyValue[]): ExponentialHistogramDataPoint {
    const state = this.#state!;
    const point: ExponentialHistogramDataPoint = {
      attributes,
      startTimeUnixNano: this.#start,
      timeUnixNano: this.#time,
      count: BigInt(Math.round(state.count)),
      sum: this.#hasSum ? state.sum : undefined,
      scale: state.scale,
      zeroCount: BigInt(Math.round(state.zeroCount)),
      positive: bucketsOut(state.positive),
      negative: bucketsOut(state.negative),
      flags: 0,
      exemplars: [],
      min: this.#min === Infinity ? undefined : this.#min,
      max: this.#max === -Infinity ? undefined : this.#max,
      zeroThreshold: this.#zeroThreshold,
    };
    if (!this.#cumulative) {
      this.#state = null;
      this.#hasSum = false;
      this.#min = Infinity;
      this.#max = -Infinity;
      this.#zeroThreshold = 0;
    }
    this.touched = false;
    return point;
  }
}
