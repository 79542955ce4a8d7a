export { countConnectorFactory } from './factory.ts';
export { CountConnector } from './count.ts';
export { countConfigSchema, type CountConfig } from './config.ts';
