// probabilistic_sampler in front of adaptive_sampling, on real SDK traces: the tail sampler
// reads the `th` the head stage stamped and composes with it (the specification's proportional
// rule), so counts extrapolated downstream describe both stages.
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { decodeTraces, encodeTraces } from '../../src/otlp/protobuf.ts';
import { probabilisticSamplerConfigSchema } from '../../src/processors/probabilistic_sampler/index.ts';
import { createTraceSampler } from '../../src/processors/probabilistic_sampler/traces.ts';
import { attr, Harness } from '../adaptive_sampling/harness.ts';
import { buildTraces, hex, requestOf, type SpanItem, type TraceSpec } from '../adaptive_sampling/sdk-traces.ts';

function specs(n: number): TraceSpec[] {
  return Array.from({ length: n }, (_, i) => ({ service: 'shop', rootName: 'GET /item', children: 2, rootDurationMs: 5 + (i % 3) }));
}

/** What the head stage keeps, as SpanItems carrying the stamped spans. */
function headSample(items: SpanItem[], percentage: number): SpanItem[] {
  const head = createTraceSampler(probabilisticSamplerConfigSchema.parse({ sampling_percentage: percentage }));
  const out = head.process(Batch.fromBytes('traces', encodeTraces(requestOf(items)), items.length, internalMetadata()));
  if (out === null) return [];
  const req = decodeTraces(out.bytes());
  return req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource, scope: ss.scope }))));
}

describe('probabilistic_sampler → adaptive_sampling', () => {
  test('a tail sampler with room for everything keeps what the head kept, with the head\'s threshold and count', async () => {
    const traces = await buildTraces(specs(400));
    const kept = headSample(traces.flatMap((t) => t.items), 25);
    const keptIds = new Set(kept.map((k) => hex(k.span.traceId)));
    expect(keptIds.size).toBeGreaterThan(50);
    expect(keptIds.size).toBeLessThan(150);
    const h = new Harness({ target_traces_per_second: 100_000, decision_wait: '1s', key_fields: ['service.name'] });
    h.add(kept);
    h.advance(3000);
    expect(new Set(h.spansByTrace.keys())).toEqual(keptIds);
    for (const spans of h.spansByTrace.values()) {
      expect(spans).toHaveLength(3);
      for (const s of spans) {
        expect(s.traceState).toBe('ot=th:c');
        expect(attr(s, 'sampling.adjusted_count')).toBe(4);
      }
    }
  });

  test('a tail sampler that must sample harder composes: its threshold is above the head\'s and R >= T still holds', async () => {
    const traces = await buildTraces(specs(2000));
    const kept = headSample(traces.flatMap((t) => t.items), 50);
    // a target far below the arriving rate makes the tail sampler sample the one key at p < 1
    const h = new Harness({ target_traces_per_second: 100, decision_wait: '1s', adjustment_interval: '1s', key_fields: ['service.name'] });
    h.add(kept);
    h.advance(3000);
    expect(h.spansByTrace.size).toBeGreaterThan(0);
    expect(h.spansByTrace.size).toBeLessThan(new Set(kept.map((k) => hex(k.span.traceId))).size);
    for (const [id, spans] of h.spansByTrace) {
      for (const s of spans) {
        const th = /^ot=th:([0-9a-f]+)/.exec(s.traceState)![1];
        const t = BigInt('0x' + th.padEnd(14, '0'));
        expect(t > 0x80000000000000n, `${th} is above the head's 8`).toBe(true);
        expect(BigInt('0x' + id.slice(-14)) >= t).toBe(true);
        expect(attr(s, 'sampling.adjusted_count')).toBeCloseTo(Number(1n << 56n) / Number((1n << 56n) - t), 6);
      }
    }
  });
});
