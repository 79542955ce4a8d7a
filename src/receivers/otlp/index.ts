export { otlpReceiverFactory } from './factory.ts';
export { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
