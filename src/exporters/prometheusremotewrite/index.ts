// The prometheusremotewrite exporter: its factory, and the engine (config, OTLP → Prometheus
// conversion, WriteRequest encoding and push). Queueing and retry come from the exporter helper.

export { prometheusRemoteWriteExporterFactory } from './factory.ts';
export { prometheusRemoteWriteConfigSchema } from './config.ts';
export type { PrometheusRemoteWriteConfig, PrometheusRemoteWriteConfigInput } from './config.ts';
export { toTimeSeries, converterFor, PrometheusConverter, REFUSAL_REASONS } from './convert.ts';
export { encodeWriteRequest, encodeWriteRequests } from './remote-write-proto.ts';
export { push, USER_AGENT } from './push.ts';
export type { PushResult } from './push.ts';
export { PromMetricType } from './series.ts';
export type { ConversionResult, Label, MetricMetadata, Refusal, Sample, TimeSeries } from './series.ts';
export { formatPromFloat, metricFamilyName, prometheusUnit, sanitizeLabelName, sanitizeMetricName } from './naming.ts';
