import type { ExtensionFactory } from '../../core/component.ts';
import { BasicAuthClient, BasicAuthServer } from './basic-auth.ts';
import { basicAuthConfigSchema, type BasicAuthConfig } from './config.ts';

export const basicAuthExtensionFactory: ExtensionFactory<BasicAuthConfig> = {
  kind: 'extension',
  type: 'basicauth',
  configSchema: basicAuthConfigSchema,
  provides: ['authenticator', 'client_authenticator'],
  capabilities: (config) => (config.client_auth !== undefined ? ['client_authenticator'] : ['authenticator']),
  exampleConfig: () => ({ client_auth: { username: 'user', password: 'p4ss' } }),
  create(ctx) {
    const { client_auth, htpasswd } = ctx.config;
    if (client_auth !== undefined) return new BasicAuthClient(client_auth.username, client_auth.password);
    return new BasicAuthServer(htpasswd!);
  },
};
