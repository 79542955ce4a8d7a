export { heartbeatReceiverFactory } from './factory.ts';
export { heartbeatConfigSchema, type HeartbeatConfig } from './config.ts';
export { HeartbeatReceiver, heartbeatRequest } from './heartbeat.ts';
