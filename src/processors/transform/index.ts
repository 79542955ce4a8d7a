export { transformProcessorFactory } from './factory.ts';
export { transformConfigSchema, type TransformConfig } from './config.ts';
export { createTransform, loggingErrors, type TransformErrors } from './transform.ts';
