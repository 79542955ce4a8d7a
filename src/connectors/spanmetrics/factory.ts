import type { ConnectorFactory } from '../../core/component.ts';
import { spanMetricsConfigSchema, type SpanMetricsConfig } from './config.ts';
import { SpanMetricsConnector } from './spanmetrics.ts';

export const spanMetricsConnectorFactory: ConnectorFactory<SpanMetricsConfig> = {
  kind: 'connector',
  type: 'spanmetrics',
  pairs: [['traces', 'metrics']],
  passesBatchesOn: false,
  configSchema: spanMetricsConfigSchema,
  create(ctx) {
    return new SpanMetricsConnector(ctx.config, ctx.next, { logger: ctx.logger });
  },
};
