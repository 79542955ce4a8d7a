import type { ExporterFactory } from '../../core/component.ts';
import { otlpGrpcExporterConfigSchema, type OtlpGrpcExporterConfig } from './config.ts';
import { CLIENT_IGNORED_KEYS, clientAuthProblems } from '../shared/client-config.ts';

export const otlpGrpcExporterFactory: ExporterFactory<OtlpGrpcExporterConfig> = {
  kind: 'exporter',
  type: 'otlp',
  aliases: ['otlp_grpc'],
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpGrpcExporterConfigSchema,
  exampleConfig: ({ grpcEndpoint }) => ({ endpoint: grpcEndpoint, tls: { insecure: true } }),
  ignoredKeys: { ...CLIENT_IGNORED_KEYS, 'tls.min_version': 'grpc-js negotiates the TLS version itself', 'tls.max_version': 'grpc-js negotiates the TLS version itself' },
  validateInGraph: clientAuthProblems,
  async create(ctx) {
    // grpc-js, with node:http2 and node:tls (~6 MiB of RSS), loads only when this exporter is configured.
    const { createOtlpGrpcExporter } = await import('../shared/otlp-grpc-exporter.ts');
    return createOtlpGrpcExporter(ctx);
  },
};
