import type { ProcessorFactory } from '../../core/component.ts';
import { resourceProcessorConfigSchema, type ResourceProcessorConfig } from './config.ts';
import { ResourceProcessor } from './resource.ts';

export const resourceProcessorFactory: ProcessorFactory<ResourceProcessorConfig> = {
  kind: 'processor',
  type: 'resource',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: resourceProcessorConfigSchema,
  exampleConfig: () => ({ attributes: [{ key: 'k8s.node.name', value: 'node-1', action: 'insert' }] }),
  create(ctx) {
    return new ResourceProcessor(ctx.config.attributes, ctx.signal);
  },
};
