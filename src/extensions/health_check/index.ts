export { healthCheckExtensionFactory } from './factory.ts';
export { healthCheckConfigSchema, type HealthCheckConfig } from './config.ts';
export { HealthCheck } from './health-check.ts';
