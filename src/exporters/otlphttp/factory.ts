import type { ExporterFactory } from '../../core/component.ts';
import { otlpHttpExporterConfigSchema, type OtlpHttpExporterConfig } from './config.ts';
import { createOtlpHttpExporter } from './exporter.ts';
import { CLIENT_IGNORED_KEYS, clientAuthProblems } from '../shared/client-config.ts';

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlphttp',
  aliases: ['otlp_http'],
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpHttpExporterConfigSchema,
  exampleConfig: ({ httpUrl }) => ({ endpoint: httpUrl }),
  ignoredKeys: CLIENT_IGNORED_KEYS,
  validateInGraph: clientAuthProblems,
  create: createOtlpHttpExporter,
};
