export { resourceDetectionProcessorFactory } from './factory.ts';
export { resourceDetectionConfigSchema, SUPPORTED_DETECTORS, type ResourceDetectionConfig } from './config.ts';
export { detect, K8S_ENV, type DetectionSources } from './detect.ts';
export { createStamp } from './stamp.ts';
