import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../otlp/types.ts';
import { AggregationTemporality } from '../../otlp/types.ts';
import type { SeriesTable } from './series-table.ts';

export const KIND_GAUGE = 0;
export const KIND_SUM = 1;
export const KIND_HISTOGRAM = 2;
export const KIND_EXPONENTIAL_HISTOGRAM = 3;
export const KIND_SUMMARY = 4;
export const KIND_NONE = -1;

export type AnyPoint = NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint;

/**
 * Merges many series' points into one output point per batch. `source` is the series-table slot
 * of the point's original series, so cumulative inputs count each series' increase once.
 */
export interface PointMerger {
  /** True when a point was added since the last emit. */
  touched: boolean;
  add(point: AnyPoint, table: SeriesTable, source: number): void;
  /** One point carrying `attributes`; resets the per-batch state. */
  emit(attributes: KeyValue[]): AnyPoint;
}

export function kindOf(metric: Metric): number {
  if (metric.sum !== undefined) return KIND_SUM;
  if (metric.gauge !== undefined) return KIND_GAUGE;
  if (metric.histogram !== undefined) return KIND_HISTOGRAM;
  if (metric.exponentialHistogram !== undefined) return KIND_EXPONENTIAL_HISTOGRAM;
  if (metric.summary !== undefined) return KIND_SUMMARY;
  return KIND_NONE;
}

export function pointsOf(metric: Metric, kind: number): AnyPoint[] {
  switch (kind) {
    case KIND_SUM:
      return metric.sum!.dataPoints;
    case KIND_GAUGE:
      return metric.gauge!.dataPoints;
    case KIND_HISTOGRAM:
      return metric.histogram!.dataPoints;
    case KIND_EXPONENTIAL_HISTOGRAM:
      return metric.exponentialHistogram!.dataPoints;
    default:
      return metric.summary!.dataPoints;
  }
}

export function setPointsOf(metric: Metric, kind: number, points: AnyPoint[]): void {
  switch (kind) {
    case KIND_SUM:
      metric.sum!.dataPoints = points as NumberDataPoint[];
      return;
    case KIND_GAUGE:
      metric.gauge!.dataPoints = points as NumberDataPoint[];
      return;
    case KIND_HISTOGRAM:
      metric.histogram!.dataPoints = points as HistogramDataPoint[];
      return;
    case KIND_EXPONENTIAL_HISTOGRAM:
      metric.exponentialHistogram!.dataPoints = points as ExponentialHistogramDataPoint[];
      return;
    default:
      metric.summary!.dataPoints = points as SummaryDataPoint[];
  }
}

/**
 * Whether the metric's points carry running totals. Summaries have no temporality field; they
 * come from Prometheus-style sources whose count and sum are cumulative, so they count as such.
 */
export function isCumulative(metric: Metric, kind: number): boolean {
  const cumulative = AggregationTemporality.CUMULATIVE;
  switch (kind) {
    case KIND_SUM:
      return metric.sum!.aggregationTemporality === cumulative;
    case KIND_HISTOGRAM:
      return metric.histogram!.aggregationTemporality === cumulative;
    case KIND_EXPONENTIAL_HISTOGRAM:
      return metric.exponentialHistogram!.aggregationTemporality === cumulative;
    case KIND_SUMMARY:
      return true;
    default:
      return false;
  }
}

export function isMonotonic(metric: Metric, kind: number): boolean {
  return kind === KIND_SUM ? metric.sum!.isMonotonic : kind !== KIND_GAUGE;
}
