export { probabilisticSamplerProcessorFactory } from './factory.ts';
export { probabilisticSamplerConfigSchema, type ProbabilisticSamplerConfig } from './config.ts';
