import type { ConnectorFactory } from '../../core/component.ts';
import { countConfigSchema, type CountConfig } from './config.ts';
import { CountConnector } from './count.ts';

export const countConnectorFactory: ConnectorFactory<CountConfig> = {
  kind: 'connector',
  type: 'count',
  pairs: [
    ['traces', 'metrics'],
    ['metrics', 'metrics'],
    ['logs', 'metrics'],
  ],
  passesBatchesOn: false,
  configSchema: countConfigSchema,
  create(ctx) {
    return new CountConnector(ctx.config, ctx.from, ctx.next);
  },
};
