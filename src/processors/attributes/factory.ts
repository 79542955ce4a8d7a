import type { ProcessorFactory } from '../../core/component.ts';
import { createAttributesEdit } from './attributes.ts';
import { attributesConfigSchema, type AttributesConfig } from './config.ts';

export const attributesProcessorFactory: ProcessorFactory<AttributesConfig> = {
  kind: 'processor',
  type: 'attributes',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: attributesConfigSchema,
  exampleConfig: () => ({ actions: [{ key: 'k', value: 'v', action: 'upsert' }] }),
  create(ctx) {
    const edit = createAttributesEdit(ctx.config, ctx.signal);
    return {
      process(batch) {
        edit(batch);
        return batch;
      },
    };
  },
};
