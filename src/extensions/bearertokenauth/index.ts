export { bearerTokenAuthExtensionFactory } from './factory.ts';
export { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';
