import type {
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../otlp/types.ts';
import { AggregationTemporality } from '../../otlp/types.ts';
import type { PrometheusRemoteWriteConfig } from './config.ts';
import {
  LabelNameCache,
  attributeValueText,
  attributesToLabels,
  finishLabels,
  indexOfLabel,
  setLabel,
  withSortedLabel,
} from './labels.ts';
import { formatPromFloat, metricFamilyName, prometheusUnit, sanitizeMetricName } from './naming.ts';
import type { PromMetricKind } from './naming.ts';
import { PromMetricType } from './series.ts';
import type { ConversionResult, Label, MetricMetadata, Refusal, TimeSeries } from './series.ts';

// OTLP metrics → Prometheus series, per the OTel "Prometheus and OpenMetrics Compatibility" spec.
// Prometheus stores cumulative series only: delta sums and histograms would need per-series
// state to accumulate, so they are refused and counted, as the Collector's exporter drops them.

const NO_RECORDED_VALUE = 1; // DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK
const NS_PER_MS = 1_000_000n;

const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';
const IDENTIFYING_ATTRIBUTES: ReadonlySet<string> = new Set([SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID]);

export const REFUSAL_REASONS = {
  deltaSum: 'sum with delta or unspecified temporality (Prometheus needs cumulative)',
  deltaHistogram: 'histogram with delta or unspecified temporality (Prometheus needs cumulative)',
  exponentialHistogram: 'exponential histogram (native histograms are not supported; use explicit buckets)',
  noValue: 'number point without a value',
  badBuckets: 'histogram point whose bucket counts do not match its bounds',
} as const;

/** Labels shared by every point under one resource and scope, before the point's own attributes. */
interface PointContext {
  /** Resource attributes as labels (resource_to_telemetry_conversion), lowest precedence. */
  resourceLabels: readonly Label[];
  /** job, instance and scope labels: override point attributes of the same name. */
  ownedLabels: readonly Label[];
}

class Conversion {
  readonly series: TimeSeries[] = [];
  readonly metadata: MetricMetadata[] = [];
  readonly #refusedByReason = new Map<string, number>();
  readonly #metadataNames = new Set<string>();

  refuse(reason: string, points: number): void {
    if (points <= 0) return;
    this.#refusedByReason.set(reason, (this.#refusedByReason.get(reason) ?? 0) + points);
  }

  addMetadata(entry: MetricMetadata): void {
    if (this.#metadataNames.has(entry.metricFamilyName)) return;
    this.#metadataNames.add(entry.metricFamilyName);
    this.metadata.push(entry);
  }

  result(): ConversionResult {
    const refused: Refusal[] = [];
    for (const [reason, points] of this.#refusedByReason) refused.push({ points, reason });
    return { series: this.series, metadata: this.metadata, refused };
  }
}

/** Compiled once per config: label-name cache, external labels, flags. */
export class PrometheusConverter {
  readonly #names = new LabelNameCache();
  readonly #externalLabels: readonly Label[];
  readonly #namespace: string;
  readonly #addSuffixes: boolean;
  readonly #resourceToTelemetry: boolean;
  readonly #targetInfo: boolean;
  readonly #scopeLabels: boolean;
  readonly #sendMetadata: boolean;
  readonly #targetInfoName: string;

  constructor(config: PrometheusRemoteWriteConfig) {
    this.#externalLabels = Object.entries(config.external_labels)
      .filter(([, value]) => value.length > 0)
      .map(([name, value]) => ({ name, value }));
    this.#namespace = config.namespace;
    this.#addSuffixes = config.add_metric_suffixes;
    this.#resourceToTelemetry = config.resource_to_telemetry_conversion.enabled;
    this.#targetInfo = config.target_info.enabled;
    this.#scopeLabels = config.add_scope_labels;
    this.#sendMetadata = config.send_metadata;
    this.#targetInfoName = sanitizeMetricName(config.namespace.length > 0 ? `${config.namespace}_target_info` : 'target_info');
  }

  convert(request: ExportMetricsServiceRequest): ConversionResult {
    const out = new Conversion();
    const targetsSeen = new Set<string>();
    const resourceMetrics = request.resourceMetrics;
    for (let r = 0; r < resourceMetrics.length; r++) {
      const rm = resourceMetrics[r];
      const resourceAttributes = rm.resource?.attributes ?? [];
      const identity = this.#identityLabels(resourceAttributes);
      const resourceLabels = this.#resourceToTelemetry ? attributesToLabels(resourceAttributes, this.#names) : [];
      const seriesBefore = out.series.length;
      for (let s = 0; s < rm.scopeMetrics.length; s++) {
        const sm = rm.scopeMetrics[s];
        const ownedLabels = identity.slice();
        if (this.#scopeLabels && sm.scope !== undefined) {
          if (sm.scope.name.length > 0) ownedLabels.push({ name: 'otel_scope_name', value: sm.scope.name });
          if (sm.scope.version.length > 0) ownedLabels.push({ name: 'otel_scope_version', value: sm.scope.version });
        }
        const context: PointContext = { resourceLabels, ownedLabels };
        for (let m = 0; m < sm.metrics.length; m++) this.#convertMetric(sm.metrics[m], context, out);
      }
      if (this.#targetInfo && out.series.length > seriesBefore) {
        this.#addTargetInfo(resourceAttributes, identity, latestTimestamp(out.series, seriesBefore), targetsSeen, out);
      }
    }
    return out.result();
  }

  /** job = service.namespace/service.name (or service.name), instance = service.instance.id. */
  #identityLabels(attributes: readonly KeyValue[]): Label[] {
    let name = '';
    let namespace = '';
    let instance = '';
    for (let i = 0; i < attributes.length; i++) {
      const key = attributes[i].key;
      if (key === SERVICE_NAME) name = attributeValueText(attributes[i].value);
      else if (key === SERVICE_NAMESPACE) namespace = attributeValueText(attributes[i].value);
      else if (key === SERVICE_INSTANCE_ID) instance = attributeValueText(attributes[i].value);
    }
    const labels: Label[] = [];
    if (name.length > 0) labels.push({ name: 'job', value: namespace.length > 0 ? `${namespace}/${name}` : name });
    if (instance.length > 0) labels.push({ name: 'instance', value: instance });
    return labels;
  }

  #addTargetInfo(
    attributes: readonly KeyValue[],
    identity: readonly Label[],
    timestamp: number,
    targetsSeen: Set<string>,
    out: Conversion,
  ): void {
    const labels = attributesToLabels(attributes, this.#names, IDENTIFYING_ATTRIBUTES);
    // Only job and instance would be left: target_info would say nothing the series don't.
    if (labels.length === 0) return;
    const key = identity.map((l) => `${l.name}=${l.value}`).join('\u0000');
    if (targetsSeen.has(key)) return; // at most one target_info per job/instance
    targetsSeen.add(key);
    for (let i = 0; i < identity.length; i++) setLabel(labels, identity[i].name, identity[i].value);
    this.#addExternalLabels(labels);
    const sorted = withSortedLabel(finishLabels(labels), { name: '__name__', value: this.#targetInfoName });
    out.series.push({ labels: sorted, samples: [{ value: 1, timestamp, stale: false }] });
    if (this.#sendMetadata) {
      out.addMetadata({ type: PromMetricType.GAUGE, metricFamilyName: this.#targetInfoName, help: 'Target metadata', unit: '' });
    }
  }

  #addExternalLabels(labels: Label[]): void {
    const external = this.#externalLabels;
    for (let i = 0; i < external.length; i++) {
      if (indexOfLabel(labels, external[i].name) < 0) labels.push(external[i]);
    }
  }

  /** The point's labels, sorted, without __name__: resource < attributes < job/instance/scope; external labels fill gaps. */
  #pointLabels(attributes: readonly KeyValue[], context: PointContext): Label[] {
    const labels = attributesToLabels(attributes, this.#names);
    const resource = context.resourceLabels;
    for (let i = 0; i < resource.length; i++) {
      if (indexOfLabel(labels, resource[i].name) < 0) labels.push(resource[i]);
    }
    const owned = context.ownedLabels;
    for (let i = 0; i < owned.length; i++) setLabel(labels, owned[i].name, owned[i].value);
    this.#addExternalLabels(labels);
    return finishLabels(labels);
  }

  #convertMetric(metric: Metric, context: PointContext, out: Conversion): void {
    if (metric.gauge !== undefined) {
      this.#convertNumbers(metric, metric.gauge.dataPoints, 'gauge', context, out);
    } else if (metric.sum !== undefined) {
      const sum = metric.sum;
      if (sum.aggregationTemporality !== AggregationTemporality.CUMULATIVE) {
        out.refuse(REFUSAL_REASONS.deltaSum, sum.dataPoints.length);
        return;
      }
      this.#convertNumbers(metric, sum.dataPoints, sum.isMonotonic ? 'counter' : 'gauge', context, out);
    } else if (metric.histogram !== undefined) {
      const histogram = metric.histogram;
      if (histogram.aggregationTemporality !== AggregationTemporality.CUMULATIVE) {
        out.refuse(REFUSAL_REASONS.deltaHistogram, histogram.dataPoints.length);
        return;
      }
      this.#convertHistogram(metric, histogram.dataPoints, context, out);
    } else if (metric.summary !== undefined) {
      this.#convertSummary(metric, metric.summary.dataPoints, context, out);
    } else if (metric.exponentialHistogram !== undefined) {
      out.refuse(REFUSAL_REASONS.exponentialHistogram, metric.exponentialHistogram.dataPoints.length);
    }
  }

  #familyName(metric: Metric, kind: PromMetricKind, out: Conversion): string {
    const name = metricFamilyName(metric.name, metric.unit, kind, this.#namespace, this.#addSuffixes);
    if (this.#sendMetadata) {
      out.addMetadata({
        type: METADATA_TYPES[kind],
        metricFamilyName: name,
        help: metric.description,
        unit: prometheusUnit(metric.unit, kind),
      });
    }
    return name;
  }

  #convertNumbers(
    metric: Metric,
    points: readonly NumberDataPoint[],
    kind: PromMetricKind,
    context: PointContext,
    out: Conversion,
  ): void {
    if (points.length === 0) return;
    const nameLabel: Label = { name: '__name__', value: this.#familyName(metric, kind, out) };
    for (let p = 0; p < points.length; p++) {
      const point = points[p];
      const stale = (point.flags & NO_RECORDED_VALUE) !== 0;
      let value = point.asDouble ?? (point.asInt !== undefined ? Number(point.asInt) : undefined);
      if (value === undefined) {
        if (!stale) {
          out.refuse(REFUSAL_REASONS.noValue, 1);
          continue;
        }
        value = NaN;
      }
      const labels = withSortedLabel(this.#pointLabels(point.attributes, context), nameLabel);
      out.series.push({ labels, samples: [sample(value, point.timeUnixNano, stale)] });
    }
  }

  #convertHistogram(metric: Metric, points: readonly HistogramDataPoint[], context: PointContext, out: Conversion): void {
    if (points.length === 0) return;
    const family = this.#familyName(metric, 'histogram', out);
    const bucketName: Label = { name: '__name__', value: `${family}_bucket` };
    const sumName: Label = { name: '__name__', value: `${family}_sum` };
    const countName: Label = { name: '__name__', value: `${family}_count` };
    for (let p = 0; p < points.length; p++) {
      const point = points[p];
      const bounds = point.explicitBounds;
      const counts = point.bucketCounts;
      if (counts.length > 0 && counts.length !== bounds.length + 1) {
        out.refuse(REFUSAL_REASONS.badBuckets, 1);
        continue;
      }
      const stale = (point.flags & NO_RECORDED_VALUE) !== 0;
      const base = this.#pointLabels(point.attributes, context);
      const series = out.series;
      let cumulative = 0n;
      for (let b = 0; b < bounds.length && counts.length > 0; b++) {
        cumulative += counts[b];
        const labels = withSortedLabel(withSortedLabel(base, bucketName), { name: 'le', value: formatPromFloat(bounds[b]) });
        series.push({ labels, samples: [sample(Number(cumulative), point.timeUnixNano, stale)] });
      }
      const infLabels = withSortedLabel(withSortedLabel(base, bucketName), { name: 'le', value: '+Inf' });
      series.push({ labels: infLabels, samples: [sample(Number(point.count), point.timeUnixNano, stale)] });
      if (point.sum !== undefined) {
        series.push({ labels: withSortedLabel(base, sumName), samples: [sample(point.sum, point.timeUnixNano, stale)] });
      }
      series.push({ labels: withSortedLabel(base, countName), samples: [sample(Number(point.count), point.timeUnixNano, stale)] });
    }
  }

  #convertSummary(metric: Metric, points: readonly SummaryDataPoint[], context: PointContext, out: Conversion): void {
    if (points.length === 0) return;
    const family = this.#familyName(metric, 'summary', out);
    const quantileName: Label = { name: '__name__', value: family };
    const sumName: Label = { name: '__name__', value: `${family}_sum` };
    const countName: Label = { name: '__name__', value: `${family}_count` };
    for (let p = 0; p < points.length; p++) {
      const point = points[p];
      const stale = (point.flags & NO_RECORDED_VALUE) !== 0;
      const base = this.#pointLabels(point.attributes, context);
      const series = out.series;
      const quantiles = point.quantileValues;
      for (let q = 0; q < quantiles.length; q++) {
        const labels = withSortedLabel(withSortedLabel(base, quantileName), {
          name: 'quantile',
          value: formatPromFloat(quantiles[q].quantile),
        });
        series.push({ labels, samples: [sample(quantiles[q].value, point.timeUnixNano, stale)] });
      }
      series.push({ labels: withSortedLabel(base, sumName), samples: [sample(point.sum, point.timeUnixNano, stale)] });
      series.push({ labels: withSortedLabel(base, countName), samples: [sample(Number(point.count), point.timeUnixNano, stale)] });
    }
  }
}

const METADATA_TYPES: Readonly<Record<PromMetricKind, number>> = {
  counter: PromMetricType.COUNTER,
  gauge: PromMetricType.GAUGE,
  histogram: PromMetricType.HISTOGRAM,
  summary: PromMetricType.SUMMARY,
};

function sample(value: number, timeUnixNano: bigint, stale: boolean) {
  return { value: stale ? NaN : value, timestamp: Number(timeUnixNano / NS_PER_MS), stale };
}

function latestTimestamp(series: readonly TimeSeries[], from: number): number {
  let latest = 0;
  for (let i = from; i < series.length; i++) {
    const samples = series[i].samples;
    for (let j = 0; j < samples.length; j++) if (samples[j].timestamp > latest) latest = samples[j].timestamp;
  }
  return latest;
}

const converters = new WeakMap<PrometheusRemoteWriteConfig, PrometheusConverter>();

/** The converter compiled for this config object, built on first use. */
export function converterFor(config: PrometheusRemoteWriteConfig): PrometheusConverter {
  let converter = converters.get(config);
  if (converter === undefined) {
    converter = new PrometheusConverter(config);
    converters.set(config, converter);
  }
  return converter;
}

/** Converts a metrics request; see the README section for the naming and refusal rules. */
export function toTimeSeries(request: ExportMetricsServiceRequest, config: PrometheusRemoteWriteConfig): ConversionResult {
  return converterFor(config).convert(request);
}
