import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import type { ExportTraceServiceRequest, Span } from '../../src/otlp/types.ts';
import { fanout } from '../../src/service/fanout.ts';

function span(name: string, i: number): Span {
  return {
    traceId: new Uint8Array(16).fill(i + 1),
    spanId: new Uint8Array(8).fill(i + 1),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name,
    kind: 1,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: undefined,
  };
}

function spans(...names: string[]): ExportTraceServiceRequest {
  return { resourceSpans: [{ resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [{ scope: undefined, spans: names.map(span), schemaUrl: '' }], schemaUrl: '' }] } as unknown as ExportTraceServiceRequest;
}

function recorder(): Consumer & { seen: Batch[] } {
  const seen: Batch[] = [];
  return { seen, consume: async (batch) => void seen.push(batch) };
}

/** A mutator that renames every span, as a processor editing in place would. */
function renamer(to: string): Consumer & { seen: Batch[] } {
  const seen: Batch[] = [];
  return {
    seen,
    async consume(batch) {
      seen.push(batch);
      for (const rs of (batch as Batch<'traces'>).mutate().resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) span.name = to;
    },
  };
}

const names = (batch: Batch) => (batch as Batch<'traces'>).request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));

describe('fan-out', () => {
  test('one target is the consumer itself: nothing in between', () => {
    const only = recorder();
    expect(fanout([{ consumer: only, mutates: true }])).toBe(only);
  });

  test('readers share the batch; each mutator gets its own copy, and its edits reach no one else', async () => {
    const readerA = recorder();
    const readerB = recorder();
    const mutatorA = renamer('a');
    const mutatorB = renamer('b');
    const batch = Batch.fromRequest('traces', spans('x', 'y'), internalMetadata('acme'));
    await fanout([
      { consumer: readerA, mutates: false },
      { consumer: mutatorA, mutates: true },
      { consumer: readerB, mutates: false },
      { consumer: mutatorB, mutates: true },
    ]).consume(batch);

    expect(readerA.seen[0]).toBe(batch);
    expect(readerB.seen[0]).toBe(batch);
    expect(mutatorA.seen[0]).not.toBe(batch);
    expect(mutatorB.seen[0]).not.toBe(batch);
    expect(mutatorA.seen[0]).not.toBe(mutatorB.seen[0]);
    expect(names(batch)).toEqual(['x', 'y']);
    expect(names(mutatorA.seen[0])).toEqual(['a', 'a']);
    expect(names(mutatorB.seen[0])).toEqual(['b', 'b']);
    // A copy's metadata is its own object too, with the same content.
    expect(mutatorA.seen[0].metadata).not.toBe(batch.metadata);
    expect(mutatorA.seen[0].metadata.tenant).toBe('acme');
  });

  test('a failing consumer does not stop the others; its error is passed on once all have settled', async () => {
    const after = recorder();
    const failure = new Error('backend down');
    const failing: Consumer = { consume: async () => Promise.reject(failure) };
    const batch = Batch.fromRequest('traces', spans('x'), internalMetadata());
    await expect(fanout([{ consumer: failing, mutates: false }, { consumer: after, mutates: false }]).consume(batch)).rejects.toBe(failure);
    expect(after.seen).toEqual([batch]);
  });
});
