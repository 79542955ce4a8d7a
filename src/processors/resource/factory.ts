import type { ProcessorFactory } from '../../core/component.ts';
import { resourceConfigSchema, type ResourceConfig } from './config.ts';
import { createResourceEdit } from './resource.ts';

export const resourceProcessorFactory: ProcessorFactory<ResourceConfig> = {
  kind: 'processor',
  type: 'resource',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: resourceConfigSchema,
  exampleConfig: () => ({ attributes: [{ key: 'k', value: 'v', action: 'upsert' }] }),
  create(ctx) {
    const edit = createResourceEdit(ctx.config, ctx.signal);
    return {
      process(batch) {
        edit(batch);
        return batch;
      },
    };
  },
};
