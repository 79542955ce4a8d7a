export { debugExporterFactory } from './factory.ts';
export { debugExporterConfigSchema, type DebugExporterConfig } from './config.ts';
