import type { ExtensionFactory } from '../../core/component.ts';
import { headersSetterConfigSchema, type HeadersSetterConfig } from './config.ts';
import { HeadersSetter } from './headers-setter.ts';

export const headersSetterExtensionFactory: ExtensionFactory<HeadersSetterConfig> = {
  kind: 'extension',
  type: 'headers_setter',
  configSchema: headersSetterConfigSchema,
  provides: ['client_authenticator'],
  exampleConfig: () => ({ headers: [{ key: 'X-Scope-OrgID', from_context: 'x-scope-orgid', default_value: 'anonymous' }] }),
  create: (ctx) => new HeadersSetter(ctx.config.headers),
};
