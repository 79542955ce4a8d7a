import { ExponentialHistogramMerger } from './merge-exponential.ts';
import { HistogramMerger } from './merge-histogram.ts';
import { GaugeMerger, SumMerger } from './merge-number.ts';
import { SummaryMerger } from './merge-summary.ts';
import type { PointMerger } from './point-kind.ts';
import { KIND_EXPONENTIAL_HISTOGRAM, KIND_GAUGE, KIND_HISTOGRAM, KIND_SUM } from './point-kind.ts';

export function createPointMerger(kind: number, cumulative: boolean, monotonic: boolean): PointMerger {
  switch (kind) {
    case KIND_SUM:
      return new SumMerger(cumulative, monotonic);
    case KIND_GAUGE:
      return new GaugeMerger();
    case KIND_HISTOGRAM:
      return new HistogramMerger(cumulative);
    case KIND_EXPONENTIAL_HISTOGRAM:
      return new ExponentialHistogramMerger(cumulative);
    default:
      return new SummaryMerger();
  }
}
