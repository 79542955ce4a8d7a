import type { ProcessorFactory } from '../../core/component.ts';
import { transformConfigSchema, type TransformConfig } from './config.ts';
import { createTransform, loggingErrors } from './transform.ts';

export const transformProcessorFactory: ProcessorFactory<TransformConfig> = {
  kind: 'processor',
  type: 'transform',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: transformConfigSchema,
  create(ctx) {
    const transform = createTransform(ctx.config, ctx.signal, loggingErrors(ctx.logger, ctx.id));
    return {
      process(batch) {
        transform(batch);
        return batch;
      },
    };
  },
};
