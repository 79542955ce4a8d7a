import type { ProcessorFactory } from '../../core/component.ts';
import { resourceProcessorConfigSchema, type ResourceProcessorConfig } from './config.ts';
import { ResourceProcessor } from './resource.ts';

export const resourceProcessorFactory: ProcessorFactory<ResourceProcessorConfig> = {
  kind: 'processor',
  type: 'resource',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: resourceProcessorConfigSchema,
  create(ctx) {
    return new ResourceProcessor(ctx.config.attributes, ctx.signal);
  },
};
