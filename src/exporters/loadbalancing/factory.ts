import type { ExporterFactory } from '../../core/component.ts';
import { loadBalancingExporterConfigSchema, type LoadBalancingExporterConfig } from './config.ts';
import { LoadBalancingExporter } from './loadbalancing.ts';

export const loadBalancingExporterFactory: ExporterFactory<LoadBalancingExporterConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  // The Collector renamed it load_balancing; both spellings carry over.
  aliases: ['load_balancing'],
  signals: ['traces', 'metrics', 'logs'],
  configSchema: loadBalancingExporterConfigSchema,
  async create(ctx) {
    // grpc-js loads only when a load balancer is configured, as for the otlp exporter.
    const { createOtlpGrpcExporter } = await import('../shared/otlp-grpc-exporter.ts');
    return new LoadBalancingExporter(ctx, createOtlpGrpcExporter);
  },
};
