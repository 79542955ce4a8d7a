// The sampler against the OpenTelemetry specification for consistent probability sampling
// (trace/tracestate-probability-sampling.md): R is the `rv` tracestate value or the trace id's
// low 56 bits, T the rejection threshold of `th`, and a trace is kept exactly when R >= T.
// The reference functions below are written from the specification with BigInt, independently
// of src/otlp/sampling-threshold.ts, so a mistake there cannot hide in both.
import { type Context, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ParentBasedSampler, SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';
import { describe, expect, test } from 'vitest';
import type { Span } from '../../src/otlp/types.ts';
import { quantizeProbability } from '../../src/otlp/sampling-threshold.ts';
import { Harness, attr } from './harness.ts';
import { buildTraces, hex, prng, type TraceSpec } from './sdk-traces.ts';

const MAX = 1n << 56n;

/** The spec's randomness: a valid `rv` (14 hex digits) wins, else the trace id's last 7 bytes. */
function specRandomness(traceIdHex: string, traceState: string): bigint {
  const rv = /(?:^|,)\s*ot=(?:[^,]*;)?rv:([0-9a-f]{14})(?:;|,|$)/.exec(traceState);
  return BigInt('0x' + (rv !== null ? rv[1] : traceIdHex.slice(-14)));
}

/** The spec's threshold: `th` right-padded with zeros to 14 hex digits. */
function specThreshold(traceState: string): bigint | undefined {
  const th = /(?:^|,)\s*ot=(?:[^,]*;)?th:([0-9a-f]{1,14})(?:;|,|$)/.exec(traceState);
  return th === null ? undefined : BigInt('0x' + th[1].padEnd(14, '0'));
}

/** T for an (already quantized) probability: (1 - p) * 2^56. */
function thresholdOfProbability(p: number): bigint {
  return MAX - BigInt(Math.round(p * 2 ** 56));
}

/** A head sampler written from the specification, for the real SDK: keeps R >= T and records `ot=th`. */
class ConsistentRatioSampler implements Sampler {
  readonly #t: bigint;
  readonly #th: string;
  constructor(th: string) {
    this.#th = th;
    this.#t = BigInt('0x' + th.padEnd(14, '0'));
  }
  shouldSample(context: Context, traceId: string): SamplingResult {
    if (BigInt('0x' + traceId.slice(-14)) < this.#t) return { decision: SamplingDecision.NOT_RECORD };
    const parent = trace.getSpanContext(context)?.traceState ?? new TraceState();
    return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: parent.set('ot', 'th:' + this.#th) };
  }
  toString(): string {
    return `ConsistentRatio{th:${this.#th}}`;
  }
}

/** Every kept span of a trace, as its trace id and stamp; fails on any that break R >= T. */
function expectEveryKeptSpanMeetsItsThreshold(h: Harness): number {
  let checked = 0;
  for (const [id, spans] of h.spansByTrace) {
    for (const s of spans) {
      const t = specThreshold(s.traceState);
      expect(t, `${id} carries a threshold`).toBeDefined();
      expect(specRandomness(id, s.traceState) >= t!, `${id}: R >= T for ${s.traceState}`).toBe(true);
      // the adjusted count is the threshold's, exactly
      expect(attr(s, 'sampling.adjusted_count')).toBe(Number(MAX) / Number(MAX - t!));
      checked++;
    }
  }
  return checked;
}

function mix(n: number, keys: Array<[string, number]>, seed: number): TraceSpec[] {
  const rnd = prng(seed);
  const total = keys.reduce((a, [, w]) => a + w, 0);
  const out: TraceSpec[] = [];
  for (let i = 0; i < n; i++) {
    let pick = rnd() * total;
    let name = keys[0][0];
    for (const [k, w] of keys) {
      if ((pick -= w) < 0) {
        name = k;
        break;
      }
    }
    out.push({ service: 'svc', rootName: name, children: 1, rootDurationMs: 5 });
  }
  return out;
}

describe('the specification examples', () => {
  // The specification's table of 1-in-N thresholds at precision 3, 4 and 5.
  test.each([
    [1, ['0', '0', '0']],
    [0.5, ['8', '8', '8']],
    [1 / 3, ['aab', 'aaab', 'aaaab']],
    [0.25, ['c', 'c', 'c']],
    [0.2, ['ccd', 'cccd', 'ccccd']],
    [0.125, ['e', 'e', 'e']],
    [0.1, ['e66', 'e666', 'e6666']],
    [0.0625, ['f', 'f', 'f']],
    [0.01, ['fd71', 'fd70a', 'fd70a4']],
    [0.001, ['ffbe7', 'ffbe77', 'ffbe76d']],
    [0.0001, ['fff972', 'fff9724', 'fff97247']],
    [0.00001, ['ffff584', 'ffff583a', 'ffff583a5']],
    [0.000001, ['ffffef4', 'ffffef39', 'ffffef391']],
  ])('probability %s has thresholds %j', (p, ths) => {
    for (let i = 0; i < 3; i++) {
      const q = quantizeProbability(p, i + 3);
      expect(q.th).toBe(ths[i]);
      expect(q.probability).toBe(Number(MAX - BigInt('0x' + ths[i].padEnd(14, '0'))) / 2 ** 56);
    }
  });

  test('R >= T decides, R from rv when present, else from the trace id (fixed 25%: th:c)', async () => {
    const [a, b, c] = await buildTraces([
      { service: 's', rootName: 'r', children: 0, rootDurationMs: 5 },
      { service: 's', rootName: 'r', children: 0, rootDurationMs: 5 },
      { service: 's', rootName: 'r', children: 0, rootDurationMs: 5 },
    ]);
    // The spec's example tracestate: rv d29d6a7215ced0 >= c0000000000000, so kept at 25%.
    a.items[0].span.traceState = 'ot=rv:d29d6a7215ced0;pn:abc,zz=vendorcontent';
    b.items[0].span.traceState = 'ot=rv:bfffffffffffff';
    // Without rv, the trace id's low 56 bits: force them to exactly the threshold (R = T keeps).
    c.items[0].span.traceId.set([0xc0, 0, 0, 0, 0, 0, 0], 9);
    const h = new Harness({ overload: { fallback_rate: 0.25 } });
    h.sampler.setOverload(true); // overload relief samples at one fixed rate
    h.add([a.items[0], b.items[0], c.items[0]]);
    expect(h.spansByTrace.get(a.id)![0].traceState).toBe('ot=th:c;rv:d29d6a7215ced0;pn:abc,zz=vendorcontent');
    expect(h.emittedCount(b.id)).toBe(0);
    expect(h.spansByTrace.get(hex(c.items[0].span.traceId))![0].traceState).toBe('ot=th:c');
  });
});

describe('decisions agree with a reference sampler from the specification', () => {
  test('per key and per rate, Sluice keeps exactly the traces R >= T keeps, and every kept span says so', async () => {
    const keys: Array<[string, number]> = [['GET /a', 60], ['GET /b', 25], ['GET /c', 10], ['GET /d', 4], ['GET /rare', 1]];
    // A ramp: rates move as traffic grows, so many thresholds are exercised.
    const traces = await buildTraces(mix(12_000, keys, 11));
    const h = new Harness({ decision_wait: '1s', adjustment_interval: '1s', target_traces_per_second: 40 });
    const addedAt = new Map<string, number>();
    const ratesAt = new Map<number, Map<string, number>>();
    let off = 0;
    for (let step = 0; off < traces.length; step++) {
      const perStep = step < 30 ? 10 : step < 60 ? 40 : 120;
      const batch = traces.slice(off, off + perStep);
      off += perStep;
      h.add(batch.flatMap((t) => t.items));
      for (const t of batch) addedAt.set(t.id, h.now);
      h.advance(100);
      ratesAt.set(h.now, new Map(h.sampler.stats().topKeyRates(100).map((r) => [r.key, r.rate])));
    }
    for (let i = 0; i < 20; i++) {
      h.advance(100);
      ratesAt.set(h.now, new Map(h.sampler.stats().topKeyRates(100).map((r) => [r.key, r.rate])));
    }
    const thresholds = new Set<bigint>();
    let sampledOut = 0;
    for (const t of traces) {
      // decided at the first tick at or after decision_wait (1 s) past the root's arrival
      const p = ratesAt.get(addedAt.get(t.id)! + 1000)!.get(`svc|${t.spec.rootName}|UNSET`)!;
      const threshold = thresholdOfProbability(p);
      thresholds.add(threshold);
      const keep = specRandomness(t.id, '') >= threshold;
      expect(h.emittedCount(t.id) > 0, `${t.id} at p=${p}`).toBe(keep);
      if (keep) expect(h.emittedCount(t.id)).toBe(t.items.length);
      else sampledOut++;
    }
    expect(thresholds.size).toBeGreaterThan(20);
    expect(sampledOut).toBeGreaterThan(traces.length / 2);
    expect(expectEveryKeptSpanMeetsItsThreshold(h)).toBeGreaterThan(1000);
  }, 60_000);
});

describe('after an upstream consistent sampler', () => {
  test('SDK head sampling at 50%, then Sluice: traces whole, thresholds never below th:8, counts estimate the truth', async () => {
    const n = 16_000;
    const sampler = new ParentBasedSampler({ root: new ConsistentRatioSampler('8') });
    const traces = await buildTraces(mix(n, [['GET /a', 70], ['GET /b', 25], ['GET /c', 5]], 12).map((s) => ({ ...s, children: 2 })), { sampler });
    const arrived = traces.filter((t) => t.items.length > 0);
    // the SDK's share is itself a 50% sample
    expect(Math.abs(arrived.length - n / 2)).toBeLessThan(4 * Math.sqrt(n / 4));
    for (const t of arrived) for (const item of t.items) expect(item.span.traceState).toBe('ot=th:8');

    const h = new Harness({ target_traces_per_second: 30 });
    // 200 arriving traces per second for 40 s
    for (let off = 0; off < arrived.length; off += 20) {
      h.add(arrived.slice(off, off + 20).flatMap((t) => t.items));
      h.advance(100);
    }
    h.advance(6000);
    expect(h.sampler.stats().bufferedTraces).toBe(0);

    let estimate = 0;
    let variance = 0;
    let kept = 0;
    for (const t of arrived) {
      const spans = h.spansByTrace.get(t.id);
      if (spans === undefined) continue;
      kept++;
      expect(spans.length, 'every trace arrives whole').toBe(t.items.length);
      const ths = new Set(spans.map((s: Span) => s.traceState));
      expect(ths.size, 'one threshold per trace').toBe(1);
      const threshold = specThreshold(spans[0].traceState)!;
      expect(threshold >= 0x80000000000000n, 'never below the upstream threshold').toBe(true);
      const count = attr(spans[0], 'sampling.adjusted_count') as number;
      estimate += count;
      variance += count * (count - 1); // Horvitz-Thompson variance estimate
    }
    expect(kept).toBeLessThan(arrived.length / 2); // Sluice sampled further
    expect(kept).toBeGreaterThan(500);
    expectEveryKeptSpanMeetsItsThreshold(h);
    // The adjusted counts estimate every trace the SDK started, dropped ones included.
    expect(Math.abs(estimate - n)).toBeLessThan(4 * Math.sqrt(variance));
    expect(Math.abs(estimate - n) / n).toBeLessThan(0.1);
  }, 60_000);

  test('an upstream threshold the randomness does not meet is not trusted: the span is re-stamped from Sluice alone', async () => {
    const [t] = await buildTraces([{ service: 's', rootName: 'r', children: 1, rootDurationMs: 5, errorAt: 0 }]);
    for (const item of t.items) item.span.traceState = 'ot=th:8;rv:10000000000000';
    const h = new Harness({});
    h.add(t.items);
    h.advance(5100);
    for (const s of h.spansByTrace.get(t.id)!) {
      expect(s.traceState).toBe('ot=th:0;rv:10000000000000');
      expect(attr(s, 'sampling.adjusted_count')).toBe(1);
    }
  });
});
