export { basicAuthExtensionFactory } from './factory.ts';
export { basicAuthConfigSchema, type BasicAuthConfig } from './config.ts';
