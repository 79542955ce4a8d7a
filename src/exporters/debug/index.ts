import { z } from 'zod';
import type { ExporterFactory } from '../../core/component.ts';
import { encodeJson } from '../../otlp/json.ts';
import { resourceEntries } from '../../otlp/model.ts';
import { exporterHelperFields } from '../helper/config.ts';

export const debugExporterConfigSchema = z
  .object({
    /** basic: a count line per batch; normal: adds resource counts; detailed: the data itself, as OTLP/JSON on stdout. */
    verbosity: z.enum(['basic', 'normal', 'detailed']).default('basic'),
    ...exporterHelperFields,
  })
  .strict();

export type DebugExporterConfig = z.output<typeof debugExporterConfigSchema>;

export const debugExporterFactory: ExporterFactory<DebugExporterConfig> = {
  kind: 'exporter',
  type: 'debug',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: debugExporterConfigSchema,
  create(ctx) {
    const verbosity = ctx.config.verbosity;
    return {
      async push(batch) {
        if (verbosity === 'detailed') {
          // Telemetry goes to stdout only when the user asks for it; Sluice's own logs never carry it.
          process.stdout.write(`${encodeJson(batch.signal, batch.request)}\n`);
          return;
        }
        const fields: Record<string, unknown> = { signal: batch.signal, items: batch.itemCount, tenant: batch.metadata.tenant };
        if (verbosity === 'normal') {
          fields.resources = resourceEntries(batch.signal, batch.request).length;
        }
        ctx.logger.info(fields, 'debug exporter');
      },
    };
  },
};
