import type { Signal } from './types.ts';

/** The OTLP/gRPC method paths: the receiver serves them, the otlp exporter calls them. */
export const GRPC_SERVICE_PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};
