import { describe, expect, test } from 'vitest';
import { adaptiveSamplingConfigSchema } from '../../src/processors/adaptive_sampling/config.ts';
import { KeyRates, OVERFLOW_KEY } from '../../src/processors/adaptive_sampling/key-rates.ts';
import { LatencySketch } from '../../src/processors/adaptive_sampling/latency-sketch.ts';
import { compileRules, firstMatchingRule } from '../../src/processors/adaptive_sampling/rules.ts';
import { SpanFacts } from '../../src/processors/adaptive_sampling/span-facts.ts';
import { encodeSpan } from '../../src/otlp/protobuf.ts';
import { traceKey } from '../../src/processors/adaptive_sampling/trace-hash.ts';
import { keyRandomnessHi, keyRandomnessLo } from '../../src/otlp/sampling-threshold.ts';
import type { KeyValue, Span } from '../../src/otlp/types.ts';
import { prng } from './sdk-traces.ts';

function span(attributes: KeyValue[], extra: Partial<Span> = {}): Span {
  return {
    traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
    name: 'GET /health', kind: 2, startTimeUnixNano: 0n, endTimeUnixNano: 1n, attributes, droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined, ...extra,
  };
}

describe('config', () => {
  test('defaults, units and typos', () => {
    const c = adaptiveSamplingConfigSchema.parse({ decision_wait: '750ms', max_buffer_bytes: '64MiB' });
    expect(c.decision_wait).toBe(750);
    expect(c.max_buffer_bytes).toBe(64 * 1024 * 1024);
    expect(c.latency_threshold.static).toBe(2000);
    const bad = adaptiveSamplingConfigSchema.safeParse({ decision_wiat: '5s', overload: { fallback_rate: 2 }, always_drop: [{ attribute: 'x' }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['', 'always_drop.0', 'overload.fallback_rate']);
  });
});

describe('trace randomness', () => {
  test('is the low 56 bits of the trace id: its last seven bytes, as (top 24 bits, low 32 bits)', () => {
    const id = Uint8Array.from(Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'));
    const key = traceKey(id);
    expect(keyRandomnessHi(key)).toBe(0x48eb21);
    expect(keyRandomnessLo(key)).toBe(0x1c80319c);
    // the top byte of the low word must not turn the number negative
    const high = traceKey(Uint8Array.from(Buffer.from('00000000000000000000000000ffffffff'.slice(2), 'hex')));
    expect(keyRandomnessLo(high)).toBe(0xffffffff);
  });
});

describe('key rates', () => {
  test('budget split: rare keys at 1, frequent keys sampled hardest, total meets target', () => {
    const rates = new KeyRates({ targetPerSecond: 50, intervalMs: 1000, emaWeight: 0.5, maxKeys: 10, thresholdPrecision: 4 });
    const traffic: Record<string, number> = { big: 1000, mid: 100, small: 10, tiny: 1 };
    for (let second = 0; second < 3; second++) {
      for (const [k, n] of Object.entries(traffic)) for (let i = 0; i < n; i++) rates.countDynamic(rates.stateFor(k));
      rates.update(1000 * (second + 1), 1000 * second);
    }
    const p = Object.fromEntries(rates.top(10).map((r) => [r.key, r.rate]));
    expect(p.tiny).toBe(1);
    expect(p.small).toBeGreaterThan(0.8); // 10/s of 1,111/s: log weighting keeps it near 1
    expect(p.big).toBeLessThan(p.mid);
    const kept = Object.entries(traffic).reduce((a, [k, n]) => a + n * p[k], 0);
    expect(kept).toBeGreaterThan(48);
    expect(kept).toBeLessThan(52);
  });

  test('policy-kept traces come out of the budget; errors alone over target leave 0', () => {
    const rates = new KeyRates({ targetPerSecond: 10, intervalMs: 1000, emaWeight: 1, maxKeys: 10, thresholdPrecision: 4 });
    for (let i = 0; i < 20; i++) rates.countPolicyKept();
    for (let i = 0; i < 100; i++) rates.countDynamic(rates.stateFor('k'));
    rates.update(1000, 0);
    expect(rates.top(1)[0].rate).toBeLessThan(1e-6);
  });

  test('max_keys folds new keys into the overflow key', () => {
    const rates = new KeyRates({ targetPerSecond: 10, intervalMs: 1000, emaWeight: 1, maxKeys: 2, thresholdPrecision: 4 });
    rates.stateFor('a');
    rates.stateFor('b');
    expect(rates.stateFor('c').key).toBe(OVERFLOW_KEY);
    expect(rates.stateFor('d')).toBe(rates.stateFor('c'));
  });
});

/** The facts of `s` read from its encoding, as the sampler reads spans. */
function read(facts: SpanFacts, s: Span): SpanFacts {
  facts.readSpan(encodeSpan(s));
  return facts;
}

function spanErrorReason(s: Span, keepHttp5xx: boolean, keepGrpc: boolean): string {
  return read(new SpanFacts(), s).errorReason(keepHttp5xx, keepGrpc);
}

describe('rules and span facts', () => {
  test('equals, in, exists, numeric ranges, span.name, resource fallback', () => {
    const facts = new SpanFacts();
    const rules = compileRules(
      [
        { attribute: 'http.route', equals: '/checkout' },
        { attribute: 'user.tier', in: ['gold', 'platinum'] },
        { attribute: 'debug', exists: true },
        { attribute: 'http.response.status_code', gte: 400, lt: 500 },
        { attribute: 'span.name', equals: 'GET /health' },
        { attribute: 'deployment.environment', equals: 'canary' },
      ],
      'always_keep',
      facts,
    );
    const at = (kvs: KeyValue[], res: KeyValue[] = []) => firstMatchingRule(rules, read(facts, span(kvs, { name: 'x' })), res);
    expect(at([{ key: 'http.route', value: { stringValue: '/checkout' } }])).toBe(0);
    expect(at([{ key: 'user.tier', value: { stringValue: 'gold' } }])).toBe(1);
    expect(at([{ key: 'user.tier', value: { stringValue: 'free' } }])).toBe(-1);
    expect(at([{ key: 'debug', value: { boolValue: false } }])).toBe(2);
    expect(at([{ key: 'http.response.status_code', value: { intValue: 404n } }])).toBe(3);
    expect(at([{ key: 'http.response.status_code', value: { intValue: 500n } }])).toBe(-1);
    expect(firstMatchingRule(rules, read(facts, span([])), [])).toBe(4);
    expect(at([], [{ key: 'deployment.environment', value: { stringValue: 'canary' } }])).toBe(5);
    expect(rules[0].name).toBe('always_keep[0]');
  });

  test('error signals', () => {
    expect(spanErrorReason(span([], { status: { code: 2, message: '' } }), true, true)).toBe('error');
    expect(spanErrorReason(span([], { events: [{ name: 'exception', timeUnixNano: 0n, attributes: [], droppedAttributesCount: 0 }] }), true, true)).toBe('exception');
    const http = span([{ key: 'http.status_code', value: { intValue: 502n } }]);
    expect(spanErrorReason(http, true, true)).toBe('http_5xx');
    expect(spanErrorReason(http, false, true)).toBe('');
    expect(spanErrorReason(span([{ key: 'rpc.grpc.status_code', value: { intValue: 0n } }]), true, true)).toBe('');
    expect(spanErrorReason(span([{ key: 'rpc.grpc.status_code', value: { intValue: 4n } }]), true, true)).toBe('grpc_error');
    expect(spanErrorReason(span([{ key: 'http.response.status_code', value: { stringValue: '503' } }]), true, true)).toBe('http_5xx');
    expect(spanErrorReason(span([{ key: 'http.response.status_code', value: { doubleValue: 200 } }]), true, true)).toBe('');
  });

  test('span facts read from bytes: root, duration, name, kind, first occurrence of a key wins', () => {
    const facts = new SpanFacts();
    const slot = facts.watch('user.tier');
    const s = span(
      [
        { key: 'user.tier', value: { stringValue: 'gold' } },
        { key: 'user.tier', value: { stringValue: 'free' } },
      ],
      { name: 'GET /a', kind: 2, startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_250_000_000n },
    );
    read(facts, s);
    expect(facts.isRoot).toBe(true);
    expect(facts.durationMs()).toBe(250);
    expect(facts.name()).toBe('GET /a');
    expect(facts.kind).toBe(2);
    expect(facts.value(slot)).toEqual({ stringValue: 'gold' });
    expect(facts.needsMerge()).toBe(false);
    read(facts, span([], { parentSpanId: new Uint8Array(8).fill(1), traceState: 'vendor=x' }));
    expect(facts.isRoot).toBe(false);
    expect(facts.value(slot)).toBeUndefined();
    expect(facts.needsMerge()).toBe(true);
  });

  test('latency sketch learns a high percentile within its bucket error', () => {
    const sketch = new LatencySketch(0.99);
    const rnd = prng(3);
    for (let i = 0; i < 10_000; i++) sketch.observe(rnd() * 1000);
    expect(sketch.quantile()).toBeGreaterThan(990 * 0.95);
    expect(sketch.quantile()).toBeLessThan(990 * 1.1);
  });
});
