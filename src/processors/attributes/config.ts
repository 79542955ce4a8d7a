import { z } from 'zod';
import { actionSchema, matchPropertiesSchema } from '../../attraction/index.ts';

// The Collector's attributesprocessor config: actions in order, optionally limited to the items
// include matches and exclude does not.

export const attributesConfigSchema = z.strictObject({
  actions: z.array(actionSchema).min(1, 'give at least one action'),
  include: matchPropertiesSchema.optional(),
  exclude: matchPropertiesSchema.optional(),
});

export type AttributesConfig = z.output<typeof attributesConfigSchema>;
