import type { ProcessorFactory } from '../../core/component.ts';
import { tenantConfigSchema, type TenantConfig } from './config.ts';
import { TenantProcessor } from './processor.ts';

export const tenantProcessorFactory: ProcessorFactory<TenantConfig> = {
  kind: 'processor',
  type: 'tenant',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: tenantConfigSchema,
  create(ctx) {
    return new TenantProcessor(ctx.config, ctx.signal, ctx.next, ctx.telemetry, ctx.logger);
  },
};
