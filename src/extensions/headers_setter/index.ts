export { headersSetterExtensionFactory } from './factory.ts';
export { headersSetterConfigSchema, type HeadersSetterConfig } from './config.ts';
