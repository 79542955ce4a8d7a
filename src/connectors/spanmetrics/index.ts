export { spanMetricsConnectorFactory } from './factory.ts';
export { SpanMetricsConnector } from './spanmetrics.ts';
export { spanMetricsConfigSchema, type SpanMetricsConfig } from './config.ts';
