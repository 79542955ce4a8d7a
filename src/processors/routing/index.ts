export { routingProcessorFactory } from './factory.ts';
export { routingConfigSchema, type RoutingConfig } from './config.ts';
export { RoutingProcessor } from './routing-processor.ts';
