import type { ExporterFactory } from '../../core/component.ts';
import { debugExporterConfigSchema, type DebugExporterConfig } from './config.ts';
import { createDebugExporter } from './debug-exporter.ts';

export const debugExporterFactory: ExporterFactory<DebugExporterConfig> = {
  kind: 'exporter',
  type: 'debug',
  // The Collector's old name, still in many configs.
  aliases: ['logging'],
  deprecatedAliases: ['logging'],
  ignoredKeys: { use_internal_logger: 'counts go to Sluice\'s log and detailed data to stdout either way' },
  signals: ['traces', 'metrics', 'logs'],
  configSchema: debugExporterConfigSchema,
  create: createDebugExporter,
};
