import { z } from 'zod';
import { actionSchema } from '../../attraction/index.ts';

// The Collector's resourceprocessor config: the attribute actions, applied to resource attributes.

export const resourceConfigSchema = z.strictObject({
  attributes: z.array(actionSchema).min(1, 'give at least one action'),
});

export type ResourceConfig = z.output<typeof resourceConfigSchema>;
