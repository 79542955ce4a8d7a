// The adaptive_sampling processor's public surface: the engine, its config schema and types.
export { AdaptiveSampler, SPAN_OVERHEAD_BYTES, TRACE_OVERHEAD_BYTES } from './sampler.ts';
export type { AdaptiveSamplerOptions, AdaptiveSamplerStats, EmitFn, LogFn } from './sampler.ts';
export { adaptiveSamplingConfigSchema, attributeRuleSchema } from './config.ts';
export type { AdaptiveSamplingConfig, AdaptiveSamplingConfigInput, AttributeRule } from './config.ts';
export { quantizeProbability, thresholdToProbability, mergeThreshold, readThreshold, readRandomness } from '../../otlp/sampling-threshold.ts';
