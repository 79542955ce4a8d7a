import { z } from 'zod';

export const debugExporterConfigSchema = z
  .object({
    /** basic: a count line per batch; normal: adds resource counts; detailed: the data itself, as OTLP/JSON on stdout. */
    verbosity: z.enum(['basic', 'normal', 'detailed']).optional(),
    /** The old `logging` exporter's level: debug means detailed, info normal, warn and error basic. */
    loglevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
    /** Batches written in full each second before sampling starts (the Collector's default 2). */
    sampling_initial: z.number().int().min(1).default(2),
    /** After those, every Nth batch in that second is written (the Collector's default 1: all of them). */
    sampling_thereafter: z.number().int().min(1).default(1),
    /** Accepted and ignored: counts go to Sluice's log and detailed data to stdout either way. */
    use_internal_logger: z.boolean().optional(),
  })
  .strict();

export type DebugExporterConfig = z.output<typeof debugExporterConfigSchema>;

/** The verbosity in effect: `verbosity`, else what the old `loglevel` meant, else basic. */
export function verbosityOf(config: Pick<DebugExporterConfig, 'verbosity' | 'loglevel'>): 'basic' | 'normal' | 'detailed' {
  return config.verbosity ?? (config.loglevel === 'debug' ? 'detailed' : config.loglevel === 'info' ? 'normal' : 'basic');
}
