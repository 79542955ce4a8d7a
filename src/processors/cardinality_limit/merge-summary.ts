import type { KeyValue, SummaryDataPoint } from '../../otlp/types.ts';
import type { AnyPoint, PointMerger } from './point-kind.ts';
import type { SeriesTable } from './series-table.ts';

interface SummarySnapshot {
  start: bigint;
  count: number;
  sum: number;
}

/**
 * Summaries: count and sum are cumulative (Prometheus semantics), so each source adds its
 * increase as for cumulative sums. Quantiles cannot be merged across series, so the merged point
 * carries none.
 */
export class SummaryMerger implements PointMerger {
  touched = false;
  #count = 0;
  #sum = 0;
  #start = 0n;
  #startFixed = false;
  #time = 0n;

  add(anyPoint: AnyPoint, table: SeriesTable, source: number): void {
    const point = anyPoint as SummaryDataPoint;
    const current: SummarySnapshot = { start: point.startTimeUnixNano, count: Number(point.count), sum: point.sum };
    let count = current.count;
    let sum = current.sum;
    if (source >= 0) {
      const last = table.lastShape[source] as SummarySnapshot | undefined;
      if (last !== undefined && last.start === current.start && current.count >= last.count) {
        count -= last.count;
        sum -= last.sum;
      }
      table.lastShape[source] = current;
    }
    this.#count += count;
    this.#sum += sum;
    if (!this.#startFixed) {
      this.#start = point.startTimeUnixNano;
      this.#startFixed = true;
    }
    if (!this.touched || point.timeUnixNano > this.#time) this.#time = point.timeUnixNano;
    this.touched = true;
  }

  emit(attributes: KeyValue[]): SummaryDataPoint {
    this.touched = false;
    return {
      attributes,
      startTimeUnixNano: this.#start,
      timeUnixNano: this.#time,
      count: BigInt(Math.round(this.#count)),
      sum: this.#sum,
      quantileValues: [],
      flags: 0,
    };
  }
}
