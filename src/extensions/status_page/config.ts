import { z } from 'zod';
import { duration, listenEndpoint } from '../../config/units.ts';

export const statusPageConfigSchema = z
  .object({
    /** The Collector's zpages port, since this page takes zpages' place. */
    endpoint: listenEndpoint('127.0.0.1:55679'),
    /** How often the open page asks for fresh figures. */
    refresh_interval: duration('2s'),
    /** Health problems (failures, overdue heartbeats) kept for the "last errors" list. */
    max_errors: z.number().int().min(1).max(1000).default(20),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.refresh_interval < 250) ctx.addIssue({ code: 'custom', path: ['refresh_interval'], message: 'refresh_interval must be at least 250ms' });
  });

export type StatusPageConfig = z.output<typeof statusPageConfigSchema>;
