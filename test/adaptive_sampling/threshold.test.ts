import { describe, expect, test } from 'vitest';
import {
  composeThreshold,
  mergeThreshold,
  quantizeProbability,
  readThreshold,
  thresholdToProbability,
} from '../../src/otlp/sampling-threshold.ts';
import { annotateKept } from '../../src/processors/adaptive_sampling/output.ts';
import { decisionRecord } from '../../src/processors/adaptive_sampling/key-rates.ts';
import type { Span } from '../../src/otlp/types.ts';

function span(traceState = '', attrs: Span['attributes'] = []): Span {
  return {
    traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState, parentSpanId: new Uint8Array(0), flags: 0,
    name: 's', kind: 1, startTimeUnixNano: 0n, endTimeUnixNano: 1n, attributes: attrs, droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
  };
}

describe('ot=th threshold encoding', () => {
  test.each([
    [1, '0', 1],
    [0.5, '8', 0.5],
    [0.25, 'c', 0.25],
    [0.1, 'e666', 0.100006103515625],
    [0.01, 'fd70a', 0.010000228881835938],
    [1 / 3, 'aaab', 0.3333282470703125],
  ])('p=%s encodes as th:%s', (p, th, actual) => {
    const q = quantizeProbability(p, 4);
    expect(q.th).toBe(th);
    expect(q.probability).toBe(actual);
    expect(thresholdToProbability(th)).toBeCloseTo(actual, 12);
  });

  test('precision is configurable and tiny probabilities keep significant digits', () => {
    expect(quantizeProbability(0.1, 5).th).toBe('e6666');
    expect(quantizeProbability(0.001, 4).th).toBe('ffbe77');
    expect(quantizeProbability(0, 4).probability).toBeGreaterThan(0);
  });

  test('merging replaces th, keeps rv and other vendors, moves ot first', () => {
    expect(mergeThreshold('', 'c')).toBe('ot=th:c');
    expect(mergeThreshold('vendor=abc', '8')).toBe('ot=th:8,vendor=abc');
    expect(mergeThreshold('vendor=abc,ot=th:8;rv:0123456789abcd,z=1', 'e')).toBe('ot=th:e;rv:0123456789abcd,vendor=abc,z=1');
    expect(readThreshold('a=1, ot=rv:00;th:fd70a')).toBe('fd70a');
    expect(readThreshold('a=1')).toBeUndefined();
  });
});

describe('attribution of a kept span', () => {
  const quarter = decisionRecord('sampled', quantizeProbability(0.25, 4));

  test('no upstream rate: adjusted count is 1/p', () => {
    const s = span('vendor=x');
    annotateKept(s, quarter, null);
    expect(s.attributes).toEqual([{ key: 'sampling.adjusted_count', value: { doubleValue: 4 } }]);
    expect(s.traceState).toBe('ot=th:c,vendor=x');
  });

  test('a record composed with the upstream th carries the whole chain: th:8 then 1/4 is th:e, count 8', () => {
    const s = span('ot=th:8;rv:ffffffffffffff');
    annotateKept(s, decisionRecord('sampled', composeThreshold(0.25, '8', 4), true), 'sampled');
    expect(s.attributes[0].value.doubleValue).toBe(8);
    expect(s.traceState).toBe('ot=th:e;rv:ffffffffffffff');
    expect(s.attributes[1]).toEqual({ key: 'sampling.reason', value: { stringValue: 'sampled' } });
  });

  test('a count from a stage that was not consistent multiplies, and is replaced, not duplicated', () => {
    const s = span('', [{ key: 'sampling.adjusted_count', value: { doubleValue: 10 } }]);
    annotateKept(s, quarter, null);
    expect(s.attributes).toEqual([{ key: 'sampling.adjusted_count', value: { doubleValue: 40 } }]);
    // the threshold says what the consistent stage did, so R >= T still holds
    expect(readThreshold(s.traceState)).toBe('c');
  });

  test('kept-by-policy spans keep the upstream threshold and its count', () => {
    const s = span('ot=th:c', [{ key: 'sampling.adjusted_count', value: { doubleValue: 4 } }]);
    annotateKept(s, decisionRecord('error', composeThreshold(1, 'c', 4), true), null);
    expect(s.attributes).toEqual([{ key: 'sampling.adjusted_count', value: { doubleValue: 4 } }]);
    expect(s.traceState).toBe('ot=th:c');
  });
});
