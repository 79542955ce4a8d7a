import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { decodeMetrics } from '../../src/otlp/protobuf.ts';
import type { ExportMetricsServiceRequest } from '../../src/otlp/types.ts';

/** A metric reader the test drives by hand: collect() on demand, nothing periodic. */
export class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** What the SDK would send for these metrics, in Sluice's model: its own serializer, then our decoder. */
export function sdkMetricsRequest(resourceMetrics: ResourceMetrics): ExportMetricsServiceRequest {
  return decodeMetrics(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
}
