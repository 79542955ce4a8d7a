import type { ConnectorFactory } from '../../core/component.ts';
import { forwardConfigSchema, type ForwardConfig } from './config.ts';
import { ForwardConnector } from './forward.ts';

export const forwardConnectorFactory: ConnectorFactory<ForwardConfig> = {
  kind: 'connector',
  type: 'forward',
  pairs: [
    ['traces', 'traces'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ],
  passesBatchesOn: true,
  configSchema: forwardConfigSchema,
  create(ctx) {
    return new ForwardConnector(ctx.next);
  },
};
