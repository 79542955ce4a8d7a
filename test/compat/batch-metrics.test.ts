import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { batchConfigSchema } from '../../src/processors/batch/config.ts';
import { batchMetrics, BatchProcessor } from '../../src/processors/batch/index.ts';
import { attrs, span, tracesRequest } from '../support/otlp.ts';

const batchOf = (n: number) => Batch.fromRequest('traces', tracesRequest(Array.from({ length: n }, (_, i) => span(attrs({ i })))), internalMetadata());

describe('the batch processor\'s otelcol_processor_batch_* metrics', () => {
  test('a size-triggered send counts the trigger and the batch size; a shutdown flush counts the size only', async () => {
    const telemetry = new Telemetry();
    const sent: number[] = [];
    const next = { consume: async (b: Batch) => void sent.push(b.itemCount) };
    const config = batchConfigSchema.parse({ send_batch_size: 5, timeout: '1h' });
    const a = new BatchProcessor(config, next, pino({ level: 'silent' }), undefined, (partitions) => batchMetrics(telemetry, 'batch', partitions));
    const b = new BatchProcessor(config, next, pino({ level: 'silent' }), undefined, (partitions) => batchMetrics(telemetry, 'batch', partitions));
    a.process(batchOf(6));
    b.process(batchOf(2));
    let page = telemetry.render();
    expect(page).toContain('otelcol_processor_batch_batch_size_trigger_send_total{processor="batch"} 1');
    expect(page).toContain('otelcol_processor_batch_batch_send_size_bucket{processor="batch",le="10"} 1');
    expect(page).toContain('otelcol_processor_batch_batch_send_size_sum{processor="batch"} 6');
    // Two instances (two pipelines) of one processor id: one cardinality series, their sum.
    expect(page.split('\n').filter((l) => l.startsWith('otelcol_processor_batch_metadata_cardinality{'))).toEqual(['otelcol_processor_batch_metadata_cardinality{processor="batch"} 1']);
    await a.shutdown();
    await b.shutdown();
    page = telemetry.render();
    expect(page).toContain('otelcol_processor_batch_batch_send_size_count{processor="batch"} 2');
    expect(page).toContain('otelcol_processor_batch_timeout_trigger_send_total{processor="batch"} 0');
    expect(sent).toEqual([6, 2]);
  });
});
