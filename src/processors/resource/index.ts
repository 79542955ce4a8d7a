export { resourceProcessorFactory } from './factory.ts';
export { resourceProcessorConfigSchema, type ResourceAction, type ResourceProcessorConfig } from './config.ts';
export { ResourceProcessor } from './resource.ts';
