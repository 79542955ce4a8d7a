export { filterProcessorFactory } from './factory.ts';
export { filterConfigSchema, type FilterConfig } from './config.ts';
export { createFilter, type FilterErrors } from './filter.ts';
