export { memoryLimiterProcessorFactory } from './factory.ts';
export * from './memory-limiter.ts';
