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
  // Series are per resource: with several workers, each service's items meet in one worker, so no two workers write one series.
  colocate: { traces: 'service', metrics: 'service', logs: 'service' },
  configSchema: countConfigSchema,
  create(ctx) {
    return new CountConnector(ctx.config, ctx.from, ctx.next);
  },
};
