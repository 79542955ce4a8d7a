// probabilistic_sampler against the OpenTelemetry specification for consistent probability
// sampling and the Collector's settings. The reference R and T below are written with BigInt from
// the specification, independently of src/otlp/sampling-threshold.ts.
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { Telemetry } from '../../src/core/telemetry.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { decodeLogs, decodeTraces, encodeLogs, encodeTraces } from '../../src/otlp/protobuf.ts';
import type { KeyValue, LogRecord, Span } from '../../src/otlp/types.ts';
import { probabilisticSamplerConfigSchema, probabilisticSamplerProcessorFactory } from '../../src/processors/probabilistic_sampler/index.ts';
import { createLogSampler } from '../../src/processors/probabilistic_sampler/logs.ts';
import { createTraceSampler } from '../../src/processors/probabilistic_sampler/traces.ts';
import { prng } from '../adaptive_sampling/sdk-traces.ts';
import { span } from '../ottl/helpers.ts';

const MAX = 1n << 56n;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function specRandomness(span: { traceId: Uint8Array; traceState: string }): bigint {
  const rv = /(?:^|,)\s*ot=(?:[^,]*;)?rv:([0-9a-f]{14})(?:;|,|$)/.exec(span.traceState);
  return BigInt('0x' + (rv !== null ? rv[1] : hex(span.traceId).slice(-14)));
}

function specThreshold(traceState: string): bigint | undefined {
  const th = /(?:^|,)\s*ot=(?:[^,]*;)?th:([0-9a-f]{1,14})(?:;|,|$)/.exec(traceState);
  return th === null ? undefined : BigInt('0x' + th[1].padEnd(14, '0'));
}

function randomIds(n: number, seed: number): Uint8Array[] {
  const next = prng(seed);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const id = new Uint8Array(16);
    for (let j = 0; j < 16; j++) id[j] = Math.floor(next() * 256);
    ids.push(id);
  }
  return ids;
}

function traceBatch(spans: Span[]): Batch {
  const bytes = encodeTraces({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 0, entityRefs: [] }, scopeSpans: [{ scope: undefined, spans, schemaUrl: '' }], schemaUrl: '' }] });
  return Batch.fromBytes('traces', bytes, spans.length, internalMetadata());
}

function keptSpans(out: Batch | null): Span[] {
  if (out === null) return [];
  const req = decodeTraces(out.bytes());
  const spans = req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  expect(spans.length).toBe(out.itemCount);
  return spans;
}

function sampler(config: Record<string, unknown>) {
  return createTraceSampler(probabilisticSamplerConfigSchema.parse(config));
}

const countOf = (s: { attributes: KeyValue[] }) => s.attributes.find((a) => a.key === 'sampling.adjusted_count')?.value.doubleValue;

/** |kept - n p| within 5 binomial standard deviations: a correct sampler fails this about once in 1.7 million runs. */
function expectBinomial(kept: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(kept - n * p), `kept ${kept} of ${n} at p=${p}`).toBeLessThan(5 * sd);
}

describe('probabilistic_sampler, traces', () => {
  test('proportional keeps the configured fraction, exactly the spans with R >= T, stamped with th and adjusted_count', () => {
    const n = 20_000;
    const ids = randomIds(n, 1);
    const spans = ids.map((traceId) => span('op', [], { traceId }));
    const s = sampler({ sampling_percentage: 10 });
    const kept = keptSpans(s.process(traceBatch(spans)));
    expectBinomial(kept.length, n, 0.1);
    // 10% at 4 hex digits: 6554/65536 kept, so T = 0xe666 << 40.
    const t = 0xe666n << 40n;
    const keptIds = new Set(kept.map((k) => hex(k.traceId)));
    for (const id of ids) expect(keptIds.has(hex(id)), hex(id)).toBe(BigInt('0x' + hex(id).slice(-14)) >= t);
    for (const k of kept) {
      expect(k.traceState).toBe('ot=th:e666');
      expect(countOf(k)).toBe(65536 / 6554);
      expect(k.events).toHaveLength(1); // the rest of the span came through as it was
    }
  });

  test('hash_seed keeps the Collector\'s FNV rule (hash < percentage × 163.84) and records th and rv', () => {
    const n = 20_000;
    const ids = randomIds(n, 2);
    const s = sampler({ sampling_percentage: 25, hash_seed: 22 });
    expect(s.decider.mode).toBe('hash_seed'); // a seed without mode picks hash_seed, as the Collector does
    const kept = keptSpans(s.process(traceBatch(ids.map((traceId) => span('op', [], { traceId })))));
    expectBinomial(kept.length, n, 0.25);
    const fnv = (id: Uint8Array) => {
      let h = 0x811c9dc5;
      for (const b of [22, 0, 0, 0, ...id]) h = Number((BigInt(h ^ b) * 0x01000193n) & 0xffffffffn);
      return h;
    };
    const keptIds = new Set(kept.map((k) => hex(k.traceId)));
    for (const id of ids) expect(keptIds.has(hex(id))).toBe((fnv(id) & 0x3fff) < 4096);
    for (const k of kept) {
      expect(k.traceState).toMatch(/^ot=th:c;rv:[0-9a-f]{14}$/);
      // the recorded rv decides the same way for any spec-following sampler
      expect(specRandomness(k) >= specThreshold(k.traceState)!).toBe(true);
    }
  });

  test('every span of a trace gets the same decision, so traces stay whole', () => {
    const ids = randomIds(500, 3);
    const spans = ids.flatMap((traceId) => [0, 1, 2].map((i) => span('op' + i, [], { traceId, spanId: new Uint8Array(8).fill(i + 1) })));
    const kept = keptSpans(sampler({ sampling_percentage: 30 }).process(traceBatch(spans)));
    const perTrace = new Map<string, number>();
    for (const k of kept) perTrace.set(hex(k.traceId), (perTrace.get(hex(k.traceId)) ?? 0) + 1);
    for (const c of perTrace.values()) expect(c).toBe(3);
  });

  test('proportional composes with an arriving threshold; equalizing lowers only to its own', () => {
    const rv = (v: string) => ({ traceState: `ot=th:8;rv:${v}`, traceId: new Uint8Array(16).fill(1) });
    // 50% upstream, 50% here: 25% in all, th:c; rv e0.. >= c0.. kept, rv 90.. dropped.
    const prop = sampler({ sampling_percentage: 50, mode: 'proportional' });
    let kept = keptSpans(prop.process(traceBatch([span('a', [], rv('e0000000000000')), span('b', [], rv('90000000000000'))])));
    expect(kept.map((k) => k.name)).toEqual(['a']);
    expect(kept[0].traceState).toBe('ot=th:c;rv:e0000000000000');
    expect(countOf(kept[0])).toBe(4);
    // equalizing at 50% of something already at 50%: passes one for one, th unchanged.
    const eq = sampler({ sampling_percentage: 50, mode: 'equalizing' });
    kept = keptSpans(eq.process(traceBatch([span('a', [], rv('e0000000000000')), span('b', [], rv('90000000000000'))])));
    expect(kept.map((k) => k.traceState)).toEqual(['ot=th:8;rv:e0000000000000', 'ot=th:8;rv:90000000000000']);
    // equalizing at 25%: th:c for both, R decides.
    kept = keptSpans(sampler({ sampling_percentage: 25, mode: 'equalizing' }).process(traceBatch([span('a', [], rv('e0000000000000')), span('b', [], rv('90000000000000'))])));
    expect(kept.map((k) => k.traceState)).toEqual(['ot=th:c;rv:e0000000000000']);
  });

  test('other vendors\' tracestate entries and an upstream non-consistent count are kept', () => {
    const id = new Uint8Array(16).fill(0xff);
    const kept = keptSpans(sampler({ sampling_percentage: 50 }).process(traceBatch([
      span('a', [{ key: 'sampling.adjusted_count', value: { doubleValue: 3 } }, { key: 'x', value: { stringValue: 'y' } }], { traceId: id, traceState: 'vendor=abc' }),
    ])));
    expect(kept[0].traceState).toBe('ot=th:8,vendor=abc');
    expect(countOf(kept[0])).toBe(6);
    expect(kept[0].attributes.map((a) => a.key)).toEqual(['sampling.adjusted_count', 'x']);
  });

  test('errors: fail_closed drops, fail_closed: false passes the span unchanged', () => {
    const zero = span('no-id', [], { traceId: new Uint8Array(16) });
    const lie = span('lie', [], { traceId: new Uint8Array(16).fill(1), traceState: 'ot=th:f;rv:00000000000001' }); // R < T: inconsistent
    const closed = sampler({ sampling_percentage: 100 });
    expect(keptSpans(closed.process(traceBatch([zero, lie])))).toEqual([]);
    expect(closed.decider.errors).toMatchObject({ missing_randomness: 1, inconsistent_threshold: 1 });
    const open = sampler({ sampling_percentage: 100, fail_closed: false });
    const kept = keptSpans(open.process(traceBatch([zero, lie])));
    expect(kept.map((k) => [k.name, k.traceState, countOf(k)])).toEqual([['no-id', '', undefined], ['lie', 'ot=th:f;rv:00000000000001', undefined]]);
  });

  test('sampling.priority overrides the rate: 0 drops, above 0 keeps', () => {
    const id = new Uint8Array(16).fill(0); id[15] = 1; // R = 1: dropped by any rate below 100%
    const spans = [
      span('forced', [{ key: 'sampling.priority', value: { intValue: 1n } }], { traceId: id }),
      span('plain', [], { traceId: id }),
    ];
    const kept = keptSpans(sampler({ sampling_percentage: 1 }).process(traceBatch(spans)));
    expect(kept.map((k) => [k.name, k.traceState])).toEqual([['forced', 'ot=th:0']]);
    const ff = new Uint8Array(16).fill(0xff);
    expect(sampler({ sampling_percentage: 100 }).process(traceBatch([span('off', [{ key: 'sampling.priority', value: { stringValue: '0' } }], { traceId: ff })]))).toBeNull();
  });

  test('0% keeps nothing; a batch with nothing kept is dropped', () => {
    expect(sampler({ sampling_percentage: 0 }).process(traceBatch(randomIds(50, 4).map((traceId) => span('x', [], { traceId }))))).toBeNull();
  });
});

function logBatch(records: LogRecord[]): Batch {
  return Batch.fromBytes('logs', encodeLogs({ resourceLogs: [{ resource: undefined, scopeLogs: [{ scope: undefined, logRecords: records, schemaUrl: '' }], schemaUrl: '' }] }), records.length, internalMetadata());
}

function record(attributes: KeyValue[], traceId: Uint8Array = new Uint8Array(0)): LogRecord {
  return { timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: 'INFO', body: { stringValue: 'hello' }, attributes, droppedAttributesCount: 0, flags: 0, traceId, spanId: new Uint8Array(0), eventName: '' };
}

function keptRecords(out: Batch | null): LogRecord[] {
  if (out === null) return [];
  return decodeLogs(out.bytes()).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
}

const attrOf = (r: LogRecord, key: string) => r.attributes.find((a) => a.key === key)?.value;

describe('probabilistic_sampler, logs', () => {
  const logSampler = (config: Record<string, unknown>) => createLogSampler(probabilisticSamplerConfigSchema.parse(config));

  test('records with trace ids are decided like their spans and carry sampling.threshold', () => {
    const n = 20_000;
    const ids = randomIds(n, 5);
    const kept = keptRecords(logSampler({ sampling_percentage: 10 }).process(logBatch(ids.map((id) => record([], id)))));
    expectBinomial(kept.length, n, 0.1);
    for (const k of kept) {
      expect(BigInt('0x' + hex(k.traceId).slice(-14)) >= 0xe666n << 40n).toBe(true);
      expect(attrOf(k, 'sampling.threshold')).toEqual({ stringValue: 'e666' });
      expect(attrOf(k, 'sampling.randomness')).toBeUndefined(); // derivable from the trace id
    }
  });

  test('attribute_source: record hashes from_attribute (hash_seed by default) and records the randomness', () => {
    const n = 10_000;
    const records = Array.from({ length: n }, (_, i) => record([{ key: 'log.id', value: { stringValue: `id-${i}` } }]));
    const s = logSampler({ sampling_percentage: 20, attribute_source: 'record', from_attribute: 'log.id' });
    expect(s.decider.mode).toBe('hash_seed');
    const kept = keptRecords(s.process(logBatch(records)));
    expectBinomial(kept.length, n, 0.2);
    for (const k of kept) expect((attrOf(k, 'sampling.randomness')?.stringValue ?? '').length).toBe(14);
    // Same input, same decisions: a second instance keeps the same records.
    const again = keptRecords(logSampler({ sampling_percentage: 20, attribute_source: 'record', from_attribute: 'log.id' }).process(logBatch(records)));
    expect(again.map((k) => attrOf(k, 'log.id'))).toEqual(kept.map((k) => attrOf(k, 'log.id')));
    // Records without the attribute have no randomness: refused by default.
    expect(s.process(logBatch([record([])]))).toBeNull();
  });

  test('sampling_priority names a per-record percentage; 0 drops', () => {
    const low = new Uint8Array(16); low[15] = 1; // R = 1
    const s = logSampler({ sampling_percentage: 1, sampling_priority: 'prio' });
    const kept = keptRecords(s.process(logBatch([
      record([{ key: 'prio', value: { intValue: 100n } }], low),
      record([{ key: 'prio', value: { intValue: 0n } }], new Uint8Array(16).fill(0xff)),
      record([], low),
    ])));
    expect(kept).toHaveLength(1);
    expect(attrOf(kept[0], 'sampling.threshold')).toEqual({ stringValue: '0' });
  });
});

describe('probabilistic_sampler config', () => {
  test('Collector settings validate; mistakes are reported', () => {
    expect(probabilisticSamplerConfigSchema.safeParse({ sampling_percentage: 15.3, hash_seed: 22, mode: 'proportional', sampling_precision: 14, fail_closed: true }).success).toBe(true);
    for (const bad of [
      {},
      { sampling_percentage: -1 },
      { sampling_percentage: 10, mode: 'equalising' },
      { sampling_percentage: 10, sampling_precision: 15 },
      { sampling_percentage: 10, hash_seed: -1 },
      { sampling_percentage: 10, attribute_source: 'record' },
      { sampling_percentage: 10, sampling_percentag: 5 },
      { sampling_percentage: 1e-20 },
    ]) expect(probabilisticSamplerConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('probabilistic_sampler as a registered processor', () => {
  test('items with broken sampling information are counted by reason in sluice_probabilistic_sampler_errors_total', async () => {
    const telemetry = new Telemetry();
    const processor = await probabilisticSamplerProcessorFactory.create({
      id: 'probabilistic_sampler', config: probabilisticSamplerConfigSchema.parse({ sampling_percentage: 50 }), telemetry,
      logger: pino({ level: 'silent' }), host: new ServiceHost(), pipelineId: 'traces', signal: 'traces', next: { consume: async () => {} }, exporters: new Map(),
    });
    const zero = span('no-id', [], { traceId: new Uint8Array(16) });
    await processor.process(traceBatch([zero, zero, span('ok', [], { traceId: new Uint8Array(16).fill(0xff) })]));
    expect(telemetry.render()).toContain('sluice_probabilistic_sampler_errors_total{processor="probabilistic_sampler",pipeline="traces",reason="missing_randomness"} 2');
  });
});

describe('probabilistic_sampler, logs without trace ids in hash_seed mode', () => {
  test('attribute_source: traceID falls back to from_attribute for records without a trace id', () => {
    const s = createLogSampler(probabilisticSamplerConfigSchema.parse({ sampling_percentage: 50, hash_seed: 9, from_attribute: 'log.id' }));
    const records = Array.from({ length: 4000 }, (_, i) => record([{ key: 'log.id', value: { stringValue: `r${i}` } }]));
    const kept = keptRecords(s.process(logBatch(records)));
    // one hash for all (the zero id's) would keep all or none; the attribute splits them
    expectBinomial(kept.length, 4000, 0.5);
  });
});
