import { z } from 'zod';

export const fileExporterConfigSchema = z
  .object({
    /** One OTLP/JSON export request per line; the file is appended to, never truncated. */
    path: z.string().min(1),
  })
  .strict();

export type FileExporterConfig = z.output<typeof fileExporterConfigSchema>;
