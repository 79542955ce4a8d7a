export { attributesProcessorFactory } from './factory.ts';
export { attributesConfigSchema, type AttributesConfig } from './config.ts';
export { createAttributesEdit } from './attributes.ts';
