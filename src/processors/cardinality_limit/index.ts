// The cardinality_limit processor engine: the whole public surface.
export { cardinalityLimitConfigSchema } from './config.ts';
export type { CardinalityLimitConfig, CardinalityLimitConfigInput } from './config.ts';
export { CardinalityLimiter } from './limiter.ts';
export { OTHER_VALUE } from './label-value-limits.ts';
export { OVERFLOW_ATTRIBUTE_KEY } from './stream-state.ts';
export type { CardinalityStats, KeyOffender, MetricOffender, MetricStats, TenantStats } from './stats.ts';
