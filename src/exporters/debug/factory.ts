import type { ExporterFactory } from '../../core/component.ts';
import { debugExporterConfigSchema, type DebugExporterConfig } from './config.ts';
import { createDebugExporter } from './debug-exporter.ts';

export const debugExporterFactory: ExporterFactory<DebugExporterConfig> = {
  kind: 'exporter',
  type: 'debug',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: debugExporterConfigSchema,
  create: createDebugExporter,
};
