export { fileExporterFactory } from './factory.ts';
export { fileExporterConfigSchema, type FileExporterConfig } from './config.ts';
