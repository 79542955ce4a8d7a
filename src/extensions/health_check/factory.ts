import type { ExtensionFactory } from '../../core/component.ts';
import { healthCheckConfigSchema, type HealthCheckConfig } from './config.ts';
import { HealthCheck } from './health-check.ts';

export const healthCheckExtensionFactory: ExtensionFactory<HealthCheckConfig> = {
  kind: 'extension',
  type: 'health_check',
  configSchema: healthCheckConfigSchema,
  exampleConfig: () => ({ endpoint: '127.0.0.1:0' }),
  listenEndpoints: (config) => [{ path: 'endpoint', endpoint: config.endpoint }],
  create(ctx) {
    return new HealthCheck(ctx.config, ctx.host);
  },
};
