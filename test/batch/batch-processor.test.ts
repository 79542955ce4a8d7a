// The batch processor's size-triggered flush and send_batch_max_size: a merged batch larger than
// the maximum leaves as several, none above it, with every span once and in order.
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { scanRequest } from '../../src/otlp/index.ts';
import type { ExportTraceServiceRequest } from '../../src/otlp/types.ts';
import { BatchProcessor } from '../../src/processors/batch/index.ts';
import { batchConfigSchema } from '../../src/processors/batch/config.ts';
import { sdkTraces } from '../otlp/sdk-fixtures.ts';

async function tracesBatch(spans: number): Promise<Batch<'traces'>> {
  const bytes = (await sdkTraces(spans)).proto;
  return Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());
}

function spanIds(request: ExportTraceServiceRequest): string[] {
  return request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => Buffer.from(span.spanId).toString('hex'))));
}

function recorder(): { next: Consumer; received: Batch[] } {
  const received: Batch[] = [];
  return { received, next: { consume: async (batch) => void received.push(batch) } };
}

describe('batch processor', () => {
  test('send_batch_max_size splits a flush into batches no larger than it, every span once and in order', async () => {
    const { next, received } = recorder();
    const config = batchConfigSchema.parse({ send_batch_size: 10, send_batch_max_size: 12, timeout: '1h' });
    const processor = new BatchProcessor(config, next, pino({ level: 'silent' }));
    const inputs = [await tracesBatch(9), await tracesBatch(9), await tracesBatch(9)];
    const total = inputs.reduce((n, b) => n + b.itemCount, 0);
    for (const batch of inputs) expect(processor.process(batch)).toBeNull();
    await processor.shutdown();

    expect(received.length).toBeGreaterThan(1);
    for (const batch of received) expect(batch.itemCount).toBeLessThanOrEqual(12);
    expect(received.reduce((n, b) => n + b.itemCount, 0)).toBe(total);
    const sent = received.flatMap((b) => spanIds(b.request as ExportTraceServiceRequest));
    expect(sent).toEqual(inputs.flatMap((b) => spanIds(b.request as ExportTraceServiceRequest)));
  });

  test('without send_batch_max_size a flush leaves as one batch', async () => {
    const { next, received } = recorder();
    const processor = new BatchProcessor(batchConfigSchema.parse({ send_batch_size: 1000, timeout: '1h' }), next, pino({ level: 'silent' }));
    const inputs = [await tracesBatch(9), await tracesBatch(9)];
    for (const batch of inputs) processor.process(batch);
    await processor.shutdown();
    expect(received).toHaveLength(1);
    expect(received[0].itemCount).toBe(inputs[0].itemCount + inputs[1].itemCount);
  });

  test('send_batch_max_size below send_batch_size is a config error', () => {
    const result = batchConfigSchema.safeParse({ send_batch_size: 100, send_batch_max_size: 50 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['send_batch_max_size'], message: expect.stringContaining('at least send_batch_size') });
  });
});
