export { resourceProcessorFactory } from './factory.ts';
export { resourceConfigSchema, type ResourceConfig } from './config.ts';
export { createResourceEdit } from './resource.ts';
