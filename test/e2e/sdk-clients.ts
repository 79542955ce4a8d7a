import { Metadata } from '@grpc/grpc-js';
import { ROOT_CONTEXT, SeverityNumber, trace, TraceFlags } from '@opentelemetry/api';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

// The real OpenTelemetry JS SDK exporters, as an application would configure them.

export type Transport = 'grpc' | 'http/protobuf' | 'http/json';
export const TRANSPORTS: Transport[] = ['grpc', 'http/protobuf', 'http/json'];

interface ExportResult {
  code: number;
  error?: Error;
}

interface SdkExporter<T> {
  export(items: T, callback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

function url(transport: Transport, ports: { grpc: number; http: number }, path: string): string {
  return transport === 'grpc' ? `http://127.0.0.1:${ports.grpc}` : `http://127.0.0.1:${ports.http}${path}`;
}

export function traceExporter(transport: Transport, ports: { grpc: number; http: number }, headers?: Record<string, string>): SdkExporter<ReadableSpan[]> {
  const u = url(transport, ports, '/v1/traces');
  if (transport === 'grpc') return new GrpcTraceExporter({ url: u, metadata: grpcMetadata(headers) }) as SdkExporter<ReadableSpan[]>;
  return (transport === 'http/protobuf' ? new ProtoTraceExporter({ url: u, headers }) : new HttpTraceExporter({ url: u, headers })) as SdkExporter<ReadableSpan[]>;
}

export function metricExporter(transport: Transport, ports: { grpc: number; http: number }): SdkExporter<ResourceMetrics> {
  const u = url(transport, ports, '/v1/metrics');
  if (transport === 'grpc') return new GrpcMetricExporter({ url: u }) as unknown as SdkExporter<ResourceMetrics>;
  return (transport === 'http/protobuf' ? new ProtoMetricExporter({ url: u }) : new HttpMetricExporter({ url: u })) as unknown as SdkExporter<ResourceMetrics>;
}

export function logExporter(transport: Transport, ports: { grpc: number; http: number }): SdkExporter<ReadableLogRecord[]> {
  const u = url(transport, ports, '/v1/logs');
  if (transport === 'grpc') return new GrpcLogExporter({ url: u }) as SdkExporter<ReadableLogRecord[]>;
  return (transport === 'http/protobuf' ? new ProtoLogExporter({ url: u }) : new HttpLogExporter({ url: u })) as SdkExporter<ReadableLogRecord[]>;
}

function grpcMetadata(headers?: Record<string, string>) {
  if (headers === undefined) return undefined;
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return metadata;
}

export function exportWith<T>(exporter: SdkExporter<T>, items: T): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

export async function sdkLogRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'e2e-logs', 'k8s.pod.name': 'pod-1' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('e2e', '1.0.0');
  const spanCtx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
  logger.emit({ body: 'user logged in', severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes: { 'user.id': 42, ok: true } });
  logger.emit({ body: { nested: { list: [1, 'two', 3.5, false] }, bytes: new Uint8Array([1, 2, 255]) }, severityNumber: SeverityNumber.ERROR, context: spanCtx, eventName: 'checkout.failed' });
  logger.emit({ body: 12345, severityNumber: SeverityNumber.WARN });
  await provider.forceFlush();
  return exporter.getFinishedLogRecords();
}
