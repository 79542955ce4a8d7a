import type { ExtensionFactory } from '../../core/component.ts';
import { zpagesConfigSchema, type ZpagesConfig } from './config.ts';
import { Zpages } from './zpages.ts';

export const zpagesExtensionFactory: ExtensionFactory<ZpagesConfig> = {
  kind: 'extension',
  type: 'zpages',
  configSchema: zpagesConfigSchema,
  exampleConfig: () => ({ endpoint: '127.0.0.1:0' }),
  ignoredKeys: { expvar: 'Node has no Go expvar page; the same figures are on /metrics' },
  listenEndpoints: (config) => [{ path: 'endpoint', endpoint: config.endpoint }],
  create: (ctx) => new Zpages(ctx.config.endpoint, ctx.host, ctx.telemetry),
};
