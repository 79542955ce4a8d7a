import type { ProcessorFactory } from '../../core/component.ts';
import { filterConfigSchema, type FilterConfig } from './config.ts';
import { createFilter } from './filter.ts';

export const filterProcessorFactory: ProcessorFactory<FilterConfig> = {
  kind: 'processor',
  type: 'filter',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: filterConfigSchema,
  create(ctx) {
    const seen = new Set<string>();
    const filter = createFilter(ctx.config, ctx.signal, {
      onError(condition, error) {
        if (seen.has(condition)) return;
        seen.add(condition);
        ctx.logger.warn({ processor: ctx.id, condition, error: error.message }, 'OTTL condition failed (error_mode ignore; later failures of it are not logged)');
      },
    });
    return { process: filter };
  },
};
