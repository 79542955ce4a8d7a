import type { Exporter, ExporterContext } from '../../core/component.ts';
import { encodeJson } from '../../otlp/json.ts';
import { resourceEntries } from '../../otlp/model.ts';
import type { DebugExporterConfig } from './config.ts';

/** Logs a line per batch, or writes the batch itself as OTLP/JSON to stdout when asked. */
export function createDebugExporter(ctx: ExporterContext<DebugExporterConfig>): Exporter {
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
}
