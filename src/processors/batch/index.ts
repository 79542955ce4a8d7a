export { batchProcessorFactory } from './factory.ts';
export * from './batch-processor.ts';
