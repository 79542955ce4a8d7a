import { otlpReceiverFactory } from './receivers/otlp/index.ts';
import { batchProcessorFactory } from './processors/batch/index.ts';
import { memoryLimiterProcessorFactory } from './processors/memory_limiter/index.ts';
import { otlpGrpcExporterFactory } from './exporters/otlp/index.ts';
import { otlpHttpExporterFactory } from './exporters/otlphttp/index.ts';
import { fileExporterFactory } from './exporters/file/index.ts';
import { debugExporterFactory } from './exporters/debug/index.ts';
import { healthCheckExtensionFactory } from './extensions/health_check/index.ts';
import type { AnyFactory } from './core/component.ts';
import { Registry } from './registry.ts';

/** Every component Sluice ships. Adding one is one line here. */
export const COMPONENTS: readonly AnyFactory[] = [
  otlpReceiverFactory,
  batchProcessorFactory,
  memoryLimiterProcessorFactory,
  otlpGrpcExporterFactory,
  otlpHttpExporterFactory,
  fileExporterFactory,
  debugExporterFactory,
  healthCheckExtensionFactory,
];

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
