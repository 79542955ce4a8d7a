import type { KeyValue, Metric } from '../../otlp/types.ts';
import type { DistinctSketch } from './distinct-sketch.ts';
import type { LabelLimitsOfStream } from './label-value-limits.ts';
import type { PointMerger } from './point-kind.ts';

/** Tenant-wide active series against the tenant's budget (0 = unlimited). */
export class TenantState {
  readonly name: string;
  readonly budget: number;
  active = 0;

  constructor(name: string, budget: number) {
    this.name = name;
    this.budget = budget;
  }
}

/** Most label keys tracked per stream for the offender ranking; further keys are ignored. */
export const MAX_OFFENDER_KEYS_PER_STREAM = 32;

/** One stream: resource + scope + metric name + tenant (+ point kind and temporality). */
export class StreamState {
  readonly slot: number;
  readonly key: number;
  readonly metricName: string;
  readonly tenant: TenantState;
  readonly kind: number;
  readonly cumulative: boolean;
  readonly monotonic: boolean;
  readonly limit: number;
  readonly labels: LabelLimitsOfStream | null;
  /** Admitted series currently tracked. */
  active = 0;
  /** Every tracked series of this stream, whatever its status. */
  tracked = 0;
  /** Folded series currently tracked. */
  folded = 0;
  lastSeen = 0;
  /** Points refused (enforce: folded; observe: would have been folded). */
  refusedPoints = 0;
  /** New series refused. */
  refusedSeries = 0;
  /** Overflow points written out. */
  overflowPoints = 0;
  /** Label values replaced or dropped (observe: would have been). */
  labelValuesFolded = 0;
  overflow: PointMerger | null = null;
  /** Where this request's overflow point goes: the stream's first metric in the request. */
  outMetric: Metric | null = null;
  offenderKeys: Map<string, DistinctSketch> | null = null;

  constructor(
    slot: number,
    key: number,
    metricName: string,
    tenant: TenantState,
    kind: number,
    cumulative: boolean,
    monotonic: boolean,
    limit: number,
    labels: LabelLimitsOfStream | null,
  ) {
    this.slot = slot;
    this.key = key;
    this.metricName = metricName;
    this.tenant = tenant;
    this.kind = kind;
    this.cumulative = cumulative;
    this.monotonic = monotonic;
    this.limit = limit;
    this.labels = labels;
  }
}

export const OVERFLOW_ATTRIBUTE_KEY = 'otel.metric.overflow';

export function overflowAttributes(): KeyValue[] {
  return [{ key: OVERFLOW_ATTRIBUTE_KEY, value: { boolValue: true } }];
}

export function isOverflowAttributes(attributes: KeyValue[]): boolean {
  return attributes.length === 1 && attributes[0].key === OVERFLOW_ATTRIBUTE_KEY && attributes[0].value.boolValue === true;
}
