import { z } from 'zod';

export const debugExporterConfigSchema = z
  .object({
    /** basic: a count line per batch; normal: adds resource counts; detailed: the data itself, as OTLP/JSON on stdout. */
    verbosity: z.enum(['basic', 'normal', 'detailed']).default('basic'),
  })
  .strict();

export type DebugExporterConfig = z.output<typeof debugExporterConfigSchema>;
