import { z } from 'zod';
import { duration } from '../../config/units.ts';

export const heartbeatConfigSchema = z
  .object({
    /** How often each pipeline that lists the receiver gets a synthetic item. */
    interval: duration('10s'),
    /** A beat not delivered by an exporter this long after emission is lost; unset: 3 × interval. */
    deadline: duration().optional(),
    /** Send the synthetic items on to backends (so a backend can measure the lag too); by default exporters strip them. */
    forward: z.boolean().default(false),
    /** Resource attributes added to each beat, e.g. a `tenant.id` for a pipeline that resolves tenants. */
    resource_attributes: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .transform((config) => ({ ...config, deadline: config.deadline ?? 3 * config.interval }))
  .superRefine((config, ctx) => {
    if (config.interval < 100) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'interval must be at least 100ms' });
    if (config.deadline <= config.interval) ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'deadline must be longer than interval' });
  });

export type HeartbeatConfig = z.output<typeof heartbeatConfigSchema>;
