export { routingConnectorFactory } from './factory.ts';
export { RoutingConnector } from './routing.ts';
export { routingConfigSchema, type RoutingConnectorConfig } from './config.ts';
