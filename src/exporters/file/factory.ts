import type { ExporterFactory } from '../../core/component.ts';
import { fileExporterConfigSchema, type FileExporterConfig } from './config.ts';
import { createFileExporter } from './file-exporter.ts';

export const fileExporterFactory: ExporterFactory<FileExporterConfig> = {
  kind: 'exporter',
  type: 'file',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: fileExporterConfigSchema,
  exampleConfig: ({ scratchDir }) => ({ path: `${scratchDir}/out.jsonl` }),
  ignoredKeys: { flush_interval: 'every batch is written when it arrives, so there is nothing to flush later' },
  create: createFileExporter,
};
