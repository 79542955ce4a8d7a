import { z } from 'zod';

/** The Collector's forward connector has no settings; unknown keys are still refused. */
export const forwardConfigSchema = z.object({}).strict();

export type ForwardConfig = z.output<typeof forwardConfigSchema>;
