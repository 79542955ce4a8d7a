// The sampler's tables (issue 18): trace ids as int32 words, the hash index, the decision cache's
// rings, the trace table and its queues, and the span arena's copy runs. Each replaces objects
// (strings, Maps, arrays per trace) with typed rows, so each is checked here against the
// behaviour of what it replaced.
import { describe, expect, test } from 'vitest';
import { encodeSpan, encodeTraces } from '../../src/otlp/protobuf.ts';
import { AdaptiveSampler, adaptiveSamplingConfigSchema } from '../../src/processors/adaptive_sampling/index.ts';
import { keyRandomnessHi, keyRandomnessLo } from '../../src/otlp/sampling-threshold.ts';
import type { KeyValue, Span } from '../../src/otlp/types.ts';
import { DecisionCache } from '../../src/processors/adaptive_sampling/decision-cache.ts';
import { decisionRecord } from '../../src/processors/adaptive_sampling/key-rates.ts';
import { SpanGroup, ResourceGroup } from '../../src/processors/adaptive_sampling/output.ts';
import { SpanTable, TraceQueue, TraceState, TraceTable } from '../../src/processors/adaptive_sampling/pending-trace.ts';
import { SpanArena } from '../../src/processors/adaptive_sampling/span-arena.ts';
import { SpanFacts } from '../../src/processors/adaptive_sampling/span-facts.ts';
import { traceKey } from '../../src/processors/adaptive_sampling/trace-hash.ts';
import { IdIndex, keyOfWords, newTraceId, readTraceId, traceIdOfKey } from '../../src/processors/adaptive_sampling/trace-ids.ts';
import { Harness } from './harness.ts';
import { buildTraces, hex, requestOf } from './sdk-traces.ts';

function idOf(bytes: Uint8Array) {
  const id = newTraceId();
  expect(readTraceId(bytes, 0, bytes.length, id)).toBe(true);
  return id;
}

function idBytes(n: number, length = 16): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (Math.imul(n + 1, 0x9e3779b1) >>> ((i % 4) * 8)) ^ (i * 31);
  return b;
}

describe('trace ids as words', () => {
  test('ids up to 16 bytes round-trip through their key string, and R is the key string\'s R', () => {
    for (const length of [16, 8, 7, 3, 1]) {
      const bytes = idBytes(length, length);
      const id = idOf(bytes);
      expect(id[4]).toBe(length);
      const key = keyOfWords(id, 0, length);
      expect(key).toBe(traceKey(bytes));
      const again = newTraceId();
      expect(traceIdOfKey(key, again)).toBe(true);
      expect([...again]).toEqual([...id]);
      // Right-aligned, zero-padded: the id's last seven bytes are the low 56 bits of the padded form.
      expect(id[2] & 0xffffff).toBe(keyRandomnessHi(key));
      expect(id[3] >>> 0).toBe(keyRandomnessLo(key));
    }
    // Ids of different lengths never compare equal, even when their padded bytes are.
    const short = idOf(Uint8Array.of(0, 5));
    const shorter = idOf(Uint8Array.of(5));
    expect([...short.subarray(0, 4)]).toEqual([...shorter.subarray(0, 4)]);
    const index = new IdIndex(4, 6);
    index.insert(0, short);
    expect(index.find(shorter)).toBe(-1);
    expect(index.find(short)).toBe(0);
    expect(readTraceId(new Uint8Array(17), 0, 17, newTraceId())).toBe(false);
  });

  test('the index finds, removes (also mid-chain) and grows', () => {
    let index = new IdIndex(8, 8);
    const ids = Array.from({ length: 300 }, (_, i) => idOf(idBytes(i)));
    for (let i = 0; i < ids.length; i++) {
      if (i === index.capacity) index.grow(2 * index.capacity);
      index.insert(i, ids[i]);
    }
    for (let i = 0; i < ids.length; i += 3) index.remove(i);
    for (let i = 0; i < ids.length; i++) expect(index.find(ids[i])).toBe(i % 3 === 0 ? -1 : i);
    index.remove(0); // already out: nothing happens
    index.insert(0, ids[0]);
    expect(index.find(ids[0])).toBe(0);
    // Every id in one bucket: chains of any length.
    index = new IdIndex(64, 6);
    const same = Array.from({ length: 40 }, () => newTraceId());
    for (let i = 0; i < same.length; i++) {
      same[i][3] = i;
      same[i][4] = 16;
      index.insert(i, same[i]);
    }
    for (const i of [20, 39, 0, 7]) index.remove(i);
    for (let i = 0; i < same.length; i++) expect(index.find(same[i])).toBe([20, 39, 0, 7].includes(i) ? -1 : i);
  });
});

describe('decision cache', () => {
  const kept = decisionRecord('sampled', { probability: 0.5, th: '8' });
  const error = decisionRecord('error', { probability: 1, th: '0' });

  test('kept and dropped each forget their oldest past the capacity, separately', () => {
    const cache = new DecisionCache(3);
    const ids = Array.from({ length: 8 }, (_, i) => idOf(idBytes(i)));
    for (let i = 0; i < 4; i++) cache.rememberKept(ids[i], kept);
    expect(cache.kept(ids[0])).toBeUndefined();
    for (let i = 1; i < 4; i++) expect(cache.kept(ids[i])).toBe(kept);
    // Remembering again updates the record and keeps its place.
    cache.rememberKept(ids[1], error);
    expect(cache.kept(ids[1])).toBe(error);
    cache.rememberKept(ids[4], kept);
    expect(cache.kept(ids[1])).toBeUndefined();
    for (let i = 4; i < 8; i++) cache.rememberDropped(ids[i]);
    cache.rememberDropped(ids[7]);
    expect(cache.wasDropped(ids[4])).toBe(false);
    for (let i = 5; i < 8; i++) expect(cache.wasDropped(ids[i])).toBe(true);
    // Drops never evict keeps.
    expect(cache.kept(ids[4])).toBe(kept);
    expect(cache.size).toEqual({ kept: 3, dropped: 3 });
    // One lookup answers for both sides.
    expect(cache.decided(ids[4])).toBe(kept);
    expect(cache.decided(ids[6])).toBeNull();
    expect(cache.decided(ids[0])).toBeUndefined();
    // A keep outranks a drop remembered before it.
    cache.rememberKept(ids[6], error);
    expect(cache.decided(ids[6])).toBe(error);
    expect(cache.wasDropped(ids[6])).toBe(false);
  });

  test('grows to its capacity, restores by key string, and remembers nothing at capacity 0', () => {
    const cache = new DecisionCache(5000);
    const ids = Array.from({ length: 5000 }, (_, i) => idOf(idBytes(i)));
    for (const id of ids) cache.rememberDropped(id);
    for (const id of ids) expect(cache.wasDropped(id)).toBe(true);
    const restored = idBytes(9999, 8);
    cache.restore(traceKey(restored), kept);
    expect(cache.kept(idOf(restored))).toBe(kept);
    cache.restore(traceKey(idBytes(9998)), null);
    expect(cache.wasDropped(idOf(idBytes(9998)))).toBe(true);
    expect(cache.wasDropped(ids[0])).toBe(false); // the oldest drop made room
    const none = new DecisionCache(0);
    none.rememberKept(ids[0], kept);
    none.rememberDropped(ids[1]);
    expect(none.kept(ids[0])).toBeUndefined();
    expect(none.wasDropped(ids[1])).toBe(false);
  });
});

describe('trace table and queues', () => {
  const group = new SpanGroup(new ResourceGroup(new Uint8Array(0), []), new Uint8Array(0), {});

  test('a freed slot reused by a new trace is not mistaken for the old one in a queue', () => {
    const traces = new TraceTable();
    const queue = new TraceQueue(traces);
    const a = traces.open(idOf(idBytes(1)), 100, group);
    queue.push(a);
    traces.close(a);
    const b = traces.open(idOf(idBytes(2)), 200, group);
    expect(b).toBe(a); // the slot is reused
    queue.push(b);
    expect(queue.length).toBe(2);
    expect(queue.peek()).toBe(b); // the stale entry was skipped
    expect(traces.firstArrival(queue.peek())).toBe(200);
    expect(queue.shift()).toBe(b);
    expect(queue.shift()).toBe(-1);
    expect(traces.find(idOf(idBytes(1)))).toBe(-1);
    expect(traces.find(idOf(idBytes(2)))).toBe(b);
    expect(traces.size).toBe(1);
  });

  test('the table grows; compact drops decided traces once they dominate, keeping order', () => {
    const traces = new TraceTable();
    const queue = new TraceQueue(traces);
    const slots: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const s = traces.open(idOf(idBytes(i)), i, group);
      slots.push(s);
      queue.push(s);
    }
    for (let i = 0; i < 5000; i++) if (i % 10 !== 0) traces.close(slots[i]);
    expect(traces.size).toBe(500);
    queue.compact(traces.size);
    expect(queue.length).toBe(500);
    for (let i = 0; i < 5000; i += 10) {
      expect(traces.state(queue.peek())).toBe(TraceState.PENDING);
      expect(traces.firstArrival(queue.shift())).toBe(i);
    }
    // Spans chain per trace through the span table, in arrival order.
    const spans = new SpanTable();
    const s = slots[0];
    for (let i = 0; i < 3; i++) traces.appendSpan(s, spans.add(7, 1, 100 * i, 10), spans);
    const offsets: number[] = [];
    for (let j = traces.firstSpan(s); j >= 0; j = spans.free(j)) offsets.push(spans.offset(j));
    expect(offsets).toEqual([0, 100, 200]);
    expect(traces.spanCount(s)).toBe(3);
  });
});

describe('span arena', () => {
  test('spans stored back to back are copied in runs, intact; a big span gets its own slab', () => {
    const arena = new SpanArena(1024);
    const src = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7) & 0xff);
    // Spans of 100 bytes with 3-byte field headers between them, as in a request.
    const stored: Array<{ slab: number; offset: number; start: number }> = [];
    for (let start = 3; start + 100 <= 1800; start += 103) {
      const slab = arena.store(src, start, start + 100);
      stored.push({ slab, offset: arena.lastOffset, start });
    }
    const big = arena.store(src, 2000, 2400);
    stored.push({ slab: big, offset: arena.lastOffset, start: 2000 });
    arena.flush();
    for (const [i, { slab, offset, start }] of stored.entries()) {
      const length = i === stored.length - 1 ? 400 : 100;
      expect(arena.slabs[slab]!.bytes.subarray(offset, offset + length)).toEqual(src.subarray(start, start + length));
    }
    expect(new Set(stored.map((s) => s.slab)).size).toBe(3); // two shared slabs (1 KiB each), one own
    // The source may change after a flush: the slabs hold copies.
    src.fill(0);
    expect(arena.slabs[stored[0].slab]!.bytes[stored[0].offset]).toBe((3 * 7) & 0xff);
    // Released slabs are reused: the buffer does not grow.
    const allocated = arena.allocatedBytes;
    for (const [i, { slab }] of stored.entries()) arena.release(slab, i === stored.length - 1 ? 400 : 100);
    for (let round = 0; round < 3; round++) {
      const held: number[] = [];
      for (let start = 3; start + 100 <= 1800; start += 103) held.push(arena.store(src, start, start + 100));
      arena.flush();
      for (const slab of held) arena.release(slab, 100);
    }
    expect(arena.allocatedBytes).toBeLessThanOrEqual(allocated);
  });

  test('spans decided while their request is being read are emitted intact (the run is flushed first)', async () => {
    const traces = await buildTraces(
      Array.from({ length: 60 }, () => ({ service: 'flood', rootName: 'GET /f', children: 5, rootDurationMs: 5, errorAt: 2 })),
    );
    // Every trace is an error trace (kept). max_spans_per_trace decides a trace at its fourth
    // span, whose first three are still in the run being read; buffer_full decides the oldest.
    const h = new Harness({ max_buffer_bytes: 48 * 1024, max_spans_per_trace: 4 });
    const originals = new Map<string, Uint8Array>();
    for (const t of traces) for (const item of t.items) originals.set(hex(item.span.spanId), encodeSpan(item.span));
    for (let off = 0; off < traces.length; off += 20) h.add(traces.slice(off, off + 20).flatMap((t) => t.items));
    expect(h.sampler.stats().earlyDecisions.max_spans_per_trace).toBe(60);
    h.sampler.flush();
    let checked = 0;
    for (const t of traces) {
      const out = h.spansByTrace.get(t.id)!;
      expect(out.length).toBe(t.items.length);
      for (const span of out) {
        expect(span.traceState).toBe('ot=th:0');
        const unstamped: Span = { ...span, traceState: '', attributes: span.attributes.filter((a) => a.key !== 'sampling.adjusted_count') };
        expect(encodeSpan(unstamped)).toEqual(originals.get(hex(span.spanId)));
        checked++;
      }
    }
    expect(checked).toBe(360);
  });

  test('under buffer pressure, traces decided early are emitted intact', async () => {
    const traces = await buildTraces(
      Array.from({ length: 200 }, () => ({ service: 'flood', rootName: 'GET /f', children: 4, rootDurationMs: 5, errorAt: 2 })),
    );
    const h = new Harness({ max_buffer_bytes: 64 * 1024 });
    const originals = new Map<string, Uint8Array>();
    for (const t of traces) for (const item of t.items) originals.set(hex(item.span.spanId), encodeSpan(item.span));
    // One add far larger than the buffer: it decides its own first traces while reading the rest.
    h.add(traces.flatMap((t) => t.items));
    expect(h.sampler.stats().earlyDecisions.buffer_full).toBeGreaterThan(100);
    h.sampler.flush();
    for (const t of traces) {
      const out = h.spansByTrace.get(t.id)!;
      expect(out.length).toBe(t.items.length);
      for (const span of out) {
        const unstamped: Span = { ...span, traceState: '', attributes: span.attributes.filter((a) => a.key !== 'sampling.adjusted_count') };
        expect(encodeSpan(unstamped)).toEqual(originals.get(hex(span.spanId)));
      }
    }
  });
});

describe('trace ids other than 16 bytes', () => {
  test('a shorter id is a trace like any other; a longer one (which the receiver refuses) is decided alone', async () => {
    const [short, long] = await buildTraces([
      { service: 's', rootName: 'GET /short', children: 2, rootDurationMs: 5 },
      { service: 's', rootName: 'GET /long', children: 2, rootDurationMs: 5 },
    ]);
    for (const item of short.items) item.span.traceId = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    for (const item of long.items) item.span.traceId = new Uint8Array(20).fill(9);
    // The codec refuses such ids too, so emitted requests are counted, not decoded.
    let now = 1_000_000;
    let emitted = 0;
    const sampler = new AdaptiveSampler(adaptiveSamplingConfigSchema.parse({}), { now: () => now, emit: (_bytes, spans) => (emitted += spans) });
    sampler.add(encodeTraces(requestOf(short.items.slice(0, 2))), {});
    sampler.add(encodeTraces(requestOf(long.items)), {});
    expect(sampler.stats().bufferedTraces).toBe(1);
    expect(sampler.stats().noTraceIdSpans).toEqual({ kept: 3, dropped: 0 });
    expect(emitted).toBe(3);
    sampler.add(encodeTraces(requestOf(short.items.slice(2))), {});
    expect(sampler.stats().bufferedSpans).toBe(3);
    for (let t = 0; t < 51; t++) {
      now += 100;
      sampler.tick();
    }
    expect(sampler.stats().traces).toEqual({ 'kept:no_trace_id': 3, 'kept:sampled': 1 });
    expect(emitted).toBe(6);
  });
});

describe('status codes read on the bytes', () => {
  function reason(attributes: KeyValue[]): string {
    const span: Span = {
      traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
      name: 'x', kind: 2, startTimeUnixNano: 0n, endTimeUnixNano: 1n, attributes, droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
    };
    const facts = new SpanFacts();
    facts.readSpan(encodeSpan(span));
    return facts.errorReason(true, true);
  }
  const http = (value: KeyValue['value']) => reason([{ key: 'http.status_code', value }]);
  const grpc = (value: KeyValue['value']) => reason([{ key: 'rpc.grpc.status_code', value }]);

  test('ints of every width, doubles, numeric strings; other kinds are not numbers', () => {
    expect(http({ intValue: 503n })).toBe('http_5xx');
    expect(http({ intValue: 499n })).toBe('');
    expect(http({ intValue: 2n ** 40n + 500n })).toBe('http_5xx'); // six varint bytes and more
    expect(http({ intValue: 2n ** 62n })).toBe('http_5xx');
    expect(http({ intValue: -500n })).toBe(''); // ten varint bytes, negative
    expect(http({ doubleValue: 500.5 })).toBe('http_5xx');
    expect(http({ stringValue: '502' })).toBe('http_5xx');
    expect(http({ stringValue: 'bad gateway' })).toBe('');
    expect(http({ boolValue: true })).toBe('');
    expect(http({ arrayValue: { values: [{ intValue: 503n }] } })).toBe('');
    expect(http({})).toBe('');
    expect(grpc({ intValue: 0n })).toBe('');
    expect(grpc({ intValue: 14n })).toBe('grpc_error');
    expect(grpc({ stringValue: '14' })).toBe('grpc_error');
    expect(grpc({ stringValue: 'UNAVAILABLE' })).toBe('');
    expect(grpc({ boolValue: false })).toBe('');
  });

  test('an AnyValue with two value fields reads as its last, as the decoder does', () => {
    // { int_value: 200, double_value: 503 } on the wire: the decoder keeps the double.
    const twoValues = Uint8Array.of(0x18, 0xc8, 0x01, 0x21, ...new Uint8Array(new Float64Array([503]).buffer));
    const kv = Uint8Array.of(0x0a, 16, ...new TextEncoder().encode('http.status_code'), 0x12, twoValues.length, ...twoValues);
    const span = encodeSpan({
      traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
      name: 'x', kind: 2, startTimeUnixNano: 0n, endTimeUnixNano: 1n, attributes: [], droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
    });
    const withKv = Uint8Array.of(...span, 0x4a, kv.length, ...kv); // Span.attributes is field 9
    const facts = new SpanFacts();
    facts.readSpan(withKv);
    expect(facts.errorReason(true, true)).toBe('http_5xx');
  });

  test('a KeyValue in an unusual encoding (value before key, a two-byte length) is still found', () => {
    const key = new TextEncoder().encode('http.status_code');
    const value = Uint8Array.of(0x18, 0xf7, 0x03); // int_value 503
    const valueFirst = Uint8Array.of(0x12, value.length, ...value, 0x0a, key.length, ...key);
    const span = encodeSpan({
      traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
      name: 'x', kind: 2, startTimeUnixNano: 0n, endTimeUnixNano: 1n, attributes: [], droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
    });
    const facts = new SpanFacts();
    facts.readSpan(Uint8Array.of(...span, 0x4a, valueFirst.length, ...valueFirst));
    expect(facts.errorReason(true, true)).toBe('http_5xx');
    // The attribute's length in two bytes (a redundant varint continuation) and its key's too.
    const kv = Uint8Array.of(0x0a, 0x80 | key.length, 0x00, ...key, 0x12, value.length, ...value);
    facts.readSpan(Uint8Array.of(...span, 0x4a, 0x80 | kv.length, 0x00, ...kv));
    expect(facts.errorReason(true, true)).toBe('http_5xx');
  });
});

describe('span facts in any field order', () => {
  /** The span's top-level fields as [start, end) ranges of its encoding (tags and lengths of one byte, flags' two). */
  function fields(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const start = pos;
      const t = bytes[pos] >= 0x80 ? (bytes[pos] & 0x7f) | (bytes[pos + 1] << 7) : bytes[pos];
      pos += bytes[pos] >= 0x80 ? 2 : 1;
      const wire = t & 7;
      if (wire === 2) {
        let n = 0;
        let shift = 0;
        while (bytes[pos] >= 0x80) n |= (bytes[pos++] & 0x7f) << shift, (shift += 7);
        n |= bytes[pos++] << shift;
        pos += n;
      } else if (wire === 0) {
        while (bytes[pos++] >= 0x80);
      } else {
        pos += wire === 1 ? 8 : 4;
      }
      out.push(bytes.subarray(start, pos));
    }
    return out;
  }
  const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  function factsOf(bytes: Uint8Array) {
    const f = new SpanFacts();
    f.readSpan(bytes);
    return {
      traceId: hex(bytes.subarray(f.traceIdStart, f.traceIdStart + f.traceIdLength)),
      isRoot: f.isRoot, name: f.name(), kind: f.kind, durationMs: f.durationMs(),
      error: f.errorReason(true, true), merge: f.needsMerge(),
    };
  }

  test('the SDK order and other orders of the same fields read alike', () => {
    const base: Span = {
      traceId: Uint8Array.from({ length: 16 }, (_, i) => i + 1), spanId: Uint8Array.from({ length: 8 }, (_, i) => i + 1), traceState: '',
      parentSpanId: Uint8Array.from({ length: 8 }, (_, i) => 9 - i), flags: 257, name: 'GET /orders', kind: 3,
      startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_125_000_000n,
      attributes: [{ key: 'http.status_code', value: { intValue: 503n } }], droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
    };
    for (const span of [base, { ...base, parentSpanId: new Uint8Array(0), kind: 200, name: 'x'.repeat(200) }, { ...base, flags: 0, traceState: 'ot=th:8' }]) {
      const bytes = encodeSpan(span);
      const inOrder = factsOf(bytes);
      expect(inOrder).toMatchObject({ traceId: hex(span.traceId), isRoot: span.parentSpanId.length === 0, name: span.name, kind: span.kind, durationMs: 125, error: 'http_5xx' });
      const parts = fields(bytes);
      expect(concat(parts)).toEqual(bytes);
      expect(factsOf(concat([...parts].reverse()))).toEqual(inOrder);
      expect(factsOf(concat([...parts.slice(1), parts[0]]))).toEqual(inOrder);
      expect(factsOf(concat([parts[0], ...parts.slice(2), parts[1]]))).toEqual(inOrder);
    }
  });
});
