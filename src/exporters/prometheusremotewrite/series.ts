// The Prometheus remote-write 1.0 data model (prompb/types.proto), as the converter produces it
// and the encoder writes it.

export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface Sample {
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /**
   * A staleness marker: the encoder writes Prometheus's stale NaN (0x7ff0000000000002). Kept as a
   * flag because V8 may canonicalise a NaN's payload once it sits in a double array.
   */
  stale: boolean;
}

/** Labels are sorted by name, `__name__` included; every other label has a non-empty value. */
export interface TimeSeries {
  labels: Label[];
  samples: Sample[];
}

/** prometheus.MetricMetadata.MetricType. */
export const PromMetricType = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
} as const;

export interface MetricMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}

/** Points the converter could not express in Prometheus, counted by reason. */
export interface Refusal {
  points: number;
  reason: string;
}

export interface ConversionResult {
  series: TimeSeries[];
  /** Empty unless `send_metadata` is on. */
  metadata: MetricMetadata[];
  refused: Refusal[];
}
