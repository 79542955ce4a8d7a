import { z } from 'zod';
import { clientFields } from '../shared/client-config.ts';

export const otlpHttpExporterConfigSchema = z
  .object({
    /** Base URL; the signal path (/v1/traces, …) is appended unless a per-signal endpoint is set. */
    endpoint: z.url(),
    traces_endpoint: z.url().optional(),
    metrics_endpoint: z.url().optional(),
    logs_endpoint: z.url().optional(),
    encoding: z.enum(['proto', 'json']).default('proto'),
    ...clientFields,
  })
  .strict();

export type OtlpHttpExporterConfig = z.output<typeof otlpHttpExporterConfigSchema>;
