export { statusPageExtensionFactory } from './factory.ts';
export { statusPageConfigSchema, type StatusPageConfig } from './config.ts';
export { StatusPage } from './status-page.ts';
