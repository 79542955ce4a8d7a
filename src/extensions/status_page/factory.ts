import type { ExtensionFactory } from '../../core/component.ts';
import type { ServiceHost } from '../../service/host.ts';
import { statusPageConfigSchema, type StatusPageConfig } from './config.ts';
import { StatusPage } from './status-page.ts';

export const statusPageExtensionFactory: ExtensionFactory<StatusPageConfig> = {
  kind: 'extension',
  type: 'status_page',
  configSchema: statusPageConfigSchema,
  create(ctx) {
    return new StatusPage(ctx.config, ctx.telemetry, ctx.host as ServiceHost);
  },
};
