export { zpagesExtensionFactory } from './factory.ts';
export { zpagesConfigSchema, type ZpagesConfig } from './config.ts';
