import type { Exporter, ExporterContext } from '../../core/component.ts';
import { encodeJson } from '../../otlp/json.ts';
import { resourceEntries } from '../../otlp/model.ts';
import { verbosityOf, type DebugExporterConfig } from './config.ts';

/** Logs a line per batch, or writes the batch itself as OTLP/JSON to stdout when asked. */
export function createDebugExporter(ctx: ExporterContext<DebugExporterConfig>): Exporter {
  const { sampling_initial: initial, sampling_thereafter: thereafter } = ctx.config;
  const verbosity = verbosityOf(ctx.config);
  // zap's sampler, as the Collector's debug exporter has it: per one-second tick, the first
  // `initial` batches are written, then every `thereafter`th.
  let tick = 0;
  let seen = 0;
  return {
    async push(batch) {
      const now = Math.floor(Date.now() / 1000);
      if (now !== tick) {
        tick = now;
        seen = 0;
      }
      seen++;
      if (seen > initial && (seen - initial) % thereafter !== 0) return;
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
