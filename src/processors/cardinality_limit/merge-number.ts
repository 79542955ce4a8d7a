import type { KeyValue, NumberDataPoint } from '../../otlp/types.ts';
import type { AnyPoint, PointMerger } from './point-kind.ts';
import type { SeriesTable } from './series-table.ts';

function numberOf(point: NumberDataPoint): number {
  if (point.asInt !== undefined) return Number(point.asInt);
  return point.asDouble ?? 0;
}

function numberPoint(attributes: KeyValue[], start: bigint, time: bigint, value: number, isInt: boolean): NumberDataPoint {
  if (isInt) return intPoint(attributes, start, time, BigInt(Math.round(value)));
  return { attributes, startTimeUnixNano: start, timeUnixNano: time, asDouble: value, exemplars: [], flags: 0 };
}

function intPoint(attributes: KeyValue[], start: bigint, time: bigint, value: bigint): NumberDataPoint {
  return { attributes, startTimeUnixNano: start, timeUnixNano: time, asInt: value, exemplars: [], flags: 0 };
}

/**
 * Sums. Delta: the batch's points add. Cumulative: a running total to which every source series
 * adds its increase since its last point (its whole value the first time, and after a reset:
 * a lower value on a monotonic sum, or a changed start time). The total therefore equals the
 * sum of the sources' latest values while none resets, and never goes backwards on a counter.
 */
export class SumMerger implements PointMerger {
  touched = false;
  readonly #cumulative: boolean;
  readonly #monotonic: boolean;
  #isInt = true;
  #total = 0;
  #start = 0n;
  #startFixed = false;
  #time = 0n;

  constructor(cumulative: boolean, monotonic: boolean) {
    this.#cumulative = cumulative;
    this.#monotonic = monotonic;
  }

  add(anyPoint: AnyPoint, table: SeriesTable, source: number): void {
    const point = anyPoint as NumberDataPoint;
    if (point.asInt === undefined) this.#isInt = false;
    const value = numberOf(point);
    if (this.#cumulative) {
      this.#total += source < 0 ? value : this.#increase(point, value, table, source);
      if (!this.#startFixed) {
        this.#start = point.startTimeUnixNano;
        this.#startFixed = true;
      }
    } else {
      this.#total += value;
      if (!this.touched || point.startTimeUnixNano < this.#start) this.#start = point.startTimeUnixNano;
    }
    if (!this.touched || point.timeUnixNano > this.#time) this.#time = point.timeUnixNano;
    this.touched = true;
  }

  #increase(point: NumberDataPoint, value: number, table: SeriesTable, source: number): number {
    const last = table.lastValue[source];
    const start = Number(point.startTimeUnixNano);
    const restarted = start !== table.lastStart[source];
    table.lastValue[source] = value;
    table.lastStart[source] = start;
    if (last !== last || restarted) return value;
    if (this.#monotonic && value < last) return value;
    return value - last;
  }

  emit(attributes: KeyValue[]): NumberDataPoint {
    const point = numberPoint(attributes, this.#start, this.#time, this.#total, this.#isInt);
    if (!this.#cumulative) this.#total = 0;
    this.touched = false;
    return point;
  }
}

/** Gauges: the latest point (by timeUnixNano) wins; ties go to the later point in the batch. */
export class GaugeMerger implements PointMerger {
  touched = false;
  #latest: NumberDataPoint | undefined = undefined;

  add(anyPoint: AnyPoint): void {
    const point = anyPoint as NumberDataPoint;
    if (this.#latest === undefined || point.timeUnixNano >= this.#latest.timeUnixNano) this.#latest = point;
    this.touched = true;
  }

  emit(attributes: KeyValue[]): NumberDataPoint {
    const latest = this.#latest!;
    const point =
      latest.asInt !== undefined
        ? intPoint(attributes, latest.startTimeUnixNano, latest.timeUnixNano, latest.asInt)
        : numberPoint(attributes, latest.startTimeUnixNano, latest.timeUnixNano, latest.asDouble ?? 0, false);
    this.#latest = undefined;
    this.touched = false;
    return point;
  }
}
