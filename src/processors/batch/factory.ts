import type { ProcessorFactory } from '../../core/component.ts';
import { batchConfigSchema, type BatchConfig } from './config.ts';
import { BatchProcessor, batchMetrics } from './batch-processor.ts';

export const batchProcessorFactory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: batchConfigSchema,
  create(ctx) {
    return new BatchProcessor(ctx.config, ctx.next, ctx.logger, ctx.host.memory.holder('batch'), (partitions) => batchMetrics(ctx.telemetry, ctx.id, partitions));
  },
};
