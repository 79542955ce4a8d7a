import type { ExtensionFactory } from '../../core/component.ts';
import { statusPageConfigSchema, type StatusPageConfig } from './config.ts';
import { StatusPage } from './status-page.ts';

export const statusPageExtensionFactory: ExtensionFactory<StatusPageConfig> = {
  kind: 'extension',
  type: 'status_page',
  configSchema: statusPageConfigSchema,
  exampleConfig: () => ({ endpoint: '127.0.0.1:0' }),
  listenEndpoints: (config) => [{ path: 'endpoint', endpoint: config.endpoint }],
  create(ctx) {
    return new StatusPage(ctx.config, ctx.telemetry, ctx.host);
  },
};
