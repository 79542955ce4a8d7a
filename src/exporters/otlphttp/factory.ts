import type { ExporterFactory } from '../../core/component.ts';
import { otlpHttpExporterConfigSchema, type OtlpHttpExporterConfig } from './config.ts';
import { createOtlpHttpExporter } from './exporter.ts';

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlphttp',
  aliases: ['otlp_http'],
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpHttpExporterConfigSchema,
  exampleConfig: ({ httpUrl }) => ({ endpoint: httpUrl }),
  create: createOtlpHttpExporter,
};
