// While the memory limiter refuses, readiness is false and says why; once it accepts, it is ready again.
import { describe, expect, test } from 'vitest';
import { HealthCheck, healthCheckConfigSchema } from '../../src/extensions/health_check/index.ts';
import { ServiceHost } from '../../src/service/host.ts';

describe('health while refusing for memory', () => {
  test('readiness is 503 "refusing: memory" while the limiter refuses, and 200 once it has recovered', () => {
    const host = new ServiceHost();
    const health = new HealthCheck(healthCheckConfigSchema.parse({}), host);
    host.reportHealth('otlp', 'ok');
    expect(health.status().healthy).toBe(true);
    host.reportHealth('memory_limiter', 'degraded', 'refusing: memory');
    expect(health.status()).toEqual({ healthy: false, body: { status: 'refusing: memory', unhealthy: { memory_limiter: 'refusing: memory' } } });
    host.reportHealth('memory_limiter', 'ok', 'accepting: memory back under the limit');
    expect(health.status()).toEqual({ healthy: true, body: { status: 'Server available', unhealthy: {} } });
  });

  test('liveness has its own path, /livez by default', () => {
    expect(healthCheckConfigSchema.parse({}).liveness_path).toBe('/livez');
  });
});
