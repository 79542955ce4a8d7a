import type { Batch } from '../../core/batch.ts';
import type { ProcessorFactory } from '../../core/component.ts';
import { redactionConfigSchema, type RedactionConfig } from './config.ts';
import { createRedactor } from './redactor.ts';

export const redactionProcessorFactory: ProcessorFactory<RedactionConfig> = {
  kind: 'processor',
  type: 'redaction',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: redactionConfigSchema,
  create(ctx) {
    // One redactor per pipeline instance: its match buffers are reused from batch to batch.
    const redactor = createRedactor(ctx.config);
    const values = ctx.telemetry.counter('sluice_redaction_values_total', 'Values redacted, by detector and action. Originals are never logged.', ['detector', 'action']);
    const droppedRecords = ctx.telemetry.counter('sluice_redaction_dropped_records_total', 'Log records dropped by the drop_record action.', ['processor']).bind({ processor: ctx.id });
    return {
      process(batch: Batch) {
        // Every signal is redacted on its bytes (JSON input is encoded once here, which its
        // exporter would do anyway): a value with nothing to redact is only scanned.
        const bytes = batch.bytes();
        if (batch.signal === 'traces') {
          const out = redactor.redactTraceBytes(bytes);
          if (out !== bytes) batch.replaceBytes(out);
        } else {
          const logs = batch.signal === 'logs';
          const out = logs ? redactor.redactLogBytes(bytes) : redactor.redactMetricBytes(bytes);
          // Dropped log records and merged points leave the batch's count.
          const removed = redactor.removedItems;
          if (out !== bytes) batch.replaceBytes(out, batch.itemCount - removed);
          if (logs) droppedRecords.add(removed);
        }
        const counts = redactor.takeCounts();
        for (let i = 0; i < counts.length; i++) values.add(counts[i].count, { detector: counts[i].detector, action: counts[i].action });
        return batch.itemCount === 0 ? null : batch;
      },
    };
  },
};
