export { forwardConnectorFactory } from './factory.ts';
export { ForwardConnector } from './forward.ts';
