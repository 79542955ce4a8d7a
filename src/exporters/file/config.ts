import { z } from 'zod';
import { duration } from '../../config/units.ts';

export const fileExporterConfigSchema = z
  .object({
    /** Appended to (unless `append: false`); one OTLP/JSON export request per line by default. */
    path: z.string().min(1),
    /** json: one OTLP/JSON request per line; proto: OTLP protobuf requests, each after its length (uint32, big-endian). */
    format: z.enum(['json', 'proto']).default('json'),
    /** zstd: each request compressed on its own and written after its length, as the Collector writes it. */
    compression: z.enum(['zstd', 'none', '']).default('none').transform((c) => (c === '' ? 'none' : c)),
    /** The Collector's lumberjack rotation: roll at max_megabytes, keep max_backups files for max_days. */
    rotation: z
      .strictObject({
        max_megabytes: z.number().int().min(1).default(100),
        max_days: z.number().int().min(0).default(0),
        max_backups: z.number().int().min(0).default(100),
        localtime: z.boolean().default(false),
      })
      .optional(),
    /** false truncates the file at start (the Collector's default); Sluice appends unless told. */
    append: z.boolean().default(true),
    /** Accepted and ignored: every batch is written when it arrives. */
    flush_interval: duration().optional(),
    group_by: z
      .strictObject({
        enabled: z.boolean().default(false),
        resource_attribute: z.string().optional(),
        max_open_files: z.number().int().optional(),
      })
      .optional()
      .refine((g) => g === undefined || !g.enabled, 'group_by (a file per resource attribute value) is not supported; use one file exporter per routing target'),
    encoding: z.unknown().optional().refine((v) => v === undefined, 'encoding extensions are not supported; use format: json or proto'),
  })
  .strict();

export type FileExporterConfig = z.output<typeof fileExporterConfigSchema>;
