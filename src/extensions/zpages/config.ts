import { z } from 'zod';
import { listenEndpoint } from '../../config/units.ts';

export const zpagesConfigSchema = z.strictObject({
  /** The Collector's default port, on localhost. */
  endpoint: listenEndpoint('127.0.0.1:55679'),
  /** The Collector's Go expvar page; Node has no expvar (accepted and ignored, see README). */
  expvar: z.strictObject({ enabled: z.boolean().default(false) }).optional(),
});

export type ZpagesConfig = z.output<typeof zpagesConfigSchema>;
