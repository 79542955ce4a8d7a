import type { ConnectorFactory } from '../../core/component.ts';
import { spanMetricsConfigSchema, type SpanMetricsConfig } from './config.ts';
import { SpanMetricsConnector } from './spanmetrics.ts';

export const spanMetricsConnectorFactory: ConnectorFactory<SpanMetricsConfig> = {
  kind: 'connector',
  type: 'spanmetrics',
  pairs: [['traces', 'metrics']],
  passesBatchesOn: false,
  // Series are per resource: with several workers, each service's spans meet in one worker, so no two workers write one series.
  colocate: { traces: 'service' },
  configSchema: spanMetricsConfigSchema,
  create(ctx) {
    return new SpanMetricsConnector(ctx.config, ctx.next, { logger: ctx.logger });
  },
};
