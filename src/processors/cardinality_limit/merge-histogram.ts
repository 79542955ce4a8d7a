import type { HistogramDataPoint, KeyValue } from '../../otlp/types.ts';
import type { AnyPoint, PointMerger } from './point-kind.ts';
import type { SeriesTable } from './series-table.ts';

/** What a cumulative source series last reported, kept in the series table. */
interface HistogramSnapshot {
  start: bigint;
  count: number;
  sum: number;
  counts: number[];
}

function snapshotOf(point: HistogramDataPoint): HistogramSnapshot {
  const counts = new Array<number>(point.bucketCounts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = Number(point.bucketCounts[i]);
  return { start: point.startTimeUnixNano, count: Number(point.count), sum: point.sum ?? 0, counts };
}

/** The increase since `last`, or the whole snapshot after a reset (lower count, new start, new layout). */
function increaseOf(current: HistogramSnapshot, last: HistogramSnapshot | undefined): HistogramSnapshot {
  if (last === undefined || last.start !== current.start || current.count < last.count) return current;
  if (last.counts.length !== current.counts.length) return current;
  const counts = new Array<number>(current.counts.length);
  for (let i = 0; i < counts.length; i++) counts[i] = current.counts[i] - last.counts[i];
  return { start: current.start, count: current.count - last.count, sum: current.sum - last.sum, counts };
}

function sameBounds(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Explicit-bucket histograms merge bucket-wise: count, sum and bucket counts add, min and max
 * combine. Cumulative sources add their increase, as for sums. A point whose bounds differ from
 * the overflow's (adopted from the first point) is re-bucketed: each of its buckets goes to the
 * overflow bucket holding that bucket's upper bound, so count and sum stay exact and only the
 * distribution is approximated.
 */
export class HistogramMerger implements PointMerger {
  touched = false;
  readonly #cumulative: boolean;
  #bounds: number[] | null = null;
  #counts: number[] = [];
  #count = 0;
  #sum = 0;
  #hasSum = false;
  #min = Infinity;
  #max = -Infinity;
  #start = 0n;
  #startFixed = false;
  #time = 0n;

  constructor(cumulative: boolean) {
    this.#cumulative = cumulative;
  }

  add(anyPoint: AnyPoint, table: SeriesTable, source: number): void {
    const point = anyPoint as HistogramDataPoint;
    if (this.#bounds === null) {
      this.#bounds = point.explicitBounds.slice();
      this.#counts = new Array<number>(this.#bounds.length + 1).fill(0);
    }
    let increase = snapshotOf(point);
    if (this.#cumulative && source >= 0) {
      const current = increase;
      increase = increaseOf(current, table.lastShape[source] as HistogramSnapshot | undefined);
      table.lastShape[source] = current;
    }
    this.#addCounts(increase.counts, point.explicitBounds);
    this.#count += increase.count;
    if (point.sum !== undefined) {
      this.#sum += increase.sum;
      this.#hasSum = true;
    }
    if (point.min !== undefined && point.min < this.#min) this.#min = point.min;
    if (point.max !== undefined && point.max > this.#max) this.#max = point.max;
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

  #addCounts(counts: number[], bounds: number[]): void {
    const target = this.#counts;
    const targetBounds = this.#bounds!;
    if (sameBounds(bounds, targetBounds) && counts.length === target.length) {
      for (let i = 0; i < counts.length; i++) target[i] += counts[i];
      return;
    }
    for (let i = 0; i < counts.length; i++) {
      const upper = i < bounds.length ? bounds[i] : Infinity;
      let bucket = 0;
      while (bucket < targetBounds.length && targetBounds[bucket] < upper) bucket++;
      target[bucket] += counts[i];
    }
  }

  emit(attributes: KeyValue[]): HistogramDataPoint {
    const bucketCounts = new Array<bigint>(this.#counts.length);
    for (let i = 0; i < bucketCounts.length; i++) bucketCounts[i] = BigInt(Math.round(this.#counts[i]));
    const point: HistogramDataPoint = {
      attributes,
      startTimeUnixNano: this.#start,
      timeUnixNano: this.#time,
      count: BigInt(Math.round(this.#count)),
      sum: this.#hasSum ? this.#sum : undefined,
      bucketCounts,
      explicitBounds: this.#bounds!.slice(),
      exemplars: [],
      flags: 0,
      min: this.#min === Infinity ? undefined : this.#min,
      max: this.#max === -Infinity ? undefined : this.#max,
    };
    if (!this.#cumulative) {
      this.#counts.fill(0);
      this.#count = 0;
      this.#sum = 0;
      this.#hasSum = false;
      this.#min = Infinity;
      this.#max = -Infinity;
    }
    this.touched = false;
    return point;
  }
}
