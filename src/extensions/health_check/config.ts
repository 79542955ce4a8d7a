import { z } from 'zod';
import { duration, listenEndpoint } from '../../config/units.ts';

export const healthCheckConfigSchema = z
  .object({
    endpoint: listenEndpoint('127.0.0.1:13133'),
    /** Readiness: 503 while not running, while a component fails, and while refusing for memory. */
    path: z.string().default('/'),
    /** Liveness: 200 while the process runs, refusing or not; restarting would lose its buffers. */
    liveness_path: z.string().default('/livez'),
    /** An exporter is unhealthy after this many failed send attempts in a row… */
    exporter_failure_threshold: z.number().int().min(1).default(5),
    /** …and healthy again once one send succeeds, or this long after its last failure. */
    failure_recovery_interval: duration('5m'),
  })
  .strict();

export type HealthCheckConfig = z.output<typeof healthCheckConfigSchema>;
