import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer, Processor } from '../../src/core/component.ts';
import { PipelineError } from '../../src/core/errors.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import type { ExportLogsServiceRequest } from '../../src/otlp/types.ts';
import { CountingConsumer, ProcessorNode, processorCounters } from '../../src/service/processor-node.ts';

// The framework side of a processor: items counted in and out under the Collector's names, a batch
// passed on or held, an unexpected exception turned into a refusal.

function logs(count: number): Batch {
  const logRecords = Array.from({ length: count }, (_, i) => ({ body: { stringValue: `r${i}` } }));
  return Batch.fromRequest('logs', { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords }] }] } as unknown as ExportLogsServiceRequest, internalMetadata());
}

function node(processor: Processor) {
  const telemetry = new Telemetry();
  const passed: Batch[] = [];
  const sink: Consumer = { consume: async (batch) => void passed.push(batch) };
  const counters = processorCounters(telemetry, 'p', 'logs', 'logs');
  const counting = new CountingConsumer(sink, counters.outgoing);
  const labels = { processor: 'p', pipeline: 'logs', otel_signal: 'logs' };
  const count = (name: string) => (telemetry.counter(name, '', ['processor', 'pipeline', 'otel_signal']).get(labels));
  return {
    node: new ProcessorNode('p', processor, counting, counters.incoming, pino({ level: 'silent' })),
    counting,
    passed,
    incoming: () => count('otelcol_processor_incoming_items_total'),
    outgoing: () => count('otelcol_processor_outgoing_items_total'),
  };
}

describe('processor node', () => {
  test('counts items in and out, and passes on what the processor returns', async () => {
    const halve: Processor = { process: (batch) => batch.withRequest({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [{}, {}] }] }] } as never) };
    const n = node(halve);
    await n.node.consume(logs(4));
    expect(n.incoming()).toBe(4);
    expect(n.outgoing()).toBe(2);
    expect(n.passed).toHaveLength(1);
    expect(n.passed[0].itemCount).toBe(2);
  });

  test('a null result passes nothing on; what the processor emits later through next is counted out', async () => {
    let held: Batch | undefined;
    const n = node({ process: (batch) => ((held = batch), null) });
    await n.node.consume(logs(3));
    expect(n.passed).toHaveLength(0);
    expect(n.outgoing()).toBe(0);
    await n.counting.consume(held!);
    expect(n.passed).toHaveLength(1);
    expect(n.outgoing()).toBe(3);
  });

  test('an unexpected exception becomes an internal refusal; a PipelineError passes through as thrown', async () => {
    const broken = node({ process: () => { throw new TypeError('bug'); } });
    const refusal = await broken.node.consume(logs(1)).then(() => undefined, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(PipelineError);
    expect((refusal as PipelineError).kind).toBe('internal');
    expect((refusal as PipelineError).message).toBe('processor p failed');

    const quota = new PipelineError('quota', 'over quota', 1_000);
    const limited = node({ process: () => Promise.reject(quota) });
    await expect(limited.node.consume(logs(1))).rejects.toBe(quota);
    expect(limited.passed).toHaveLength(0);
  });
});
