import { describe, expect, test } from 'vitest';
import {
  countItems,
  decodeJson,
  decodeRequest,
  decodeSpan,
  decodeTraces,
  encodeSpan,
  encodeTraces,
  OtlpDecodeError,
  scanRequest,
  SIGNALS,
  type Signal,
} from '../../src/otlp/index.ts';
import { sdkLogs, sdkMetrics, sdkTraces } from './sdk-fixtures.ts';

async function fixture(signal: Signal): Promise<Uint8Array> {
  if (signal === 'traces') return (await sdkTraces(3)).proto;
  if (signal === 'metrics') return (await sdkMetrics('delta')).proto;
  return (await sdkLogs()).proto;
}

function threw(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('protobuf errors', () => {
  test.each(SIGNALS)('%s: every truncation throws OtlpDecodeError from decode and scan alike', async (signal) => {
    const bytes = await fixture(signal);
    let rejected = 0;
    for (let cut = 1; cut < bytes.length; cut++) {
      const prefix = bytes.subarray(0, cut);
      const decodeErr = threw(() => decodeRequest(signal, prefix));
      const scanErr = threw(() => scanRequest(signal, prefix));
      // A cut can land exactly on a field boundary inside the last top-level entry only if
      // the length prefix still matches, which cannot happen: the outer length covers the rest.
      expect(decodeErr).toBeInstanceOf(OtlpDecodeError);
      expect(scanErr).toBeInstanceOf(OtlpDecodeError);
      rejected++;
    }
    expect(rejected).toBe(bytes.length - 1);
  });

  test('random garbage never throws anything but OtlpDecodeError', () => {
    let seed = 1;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(1 + Math.floor(rand() * 64));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      for (const signal of SIGNALS) {
        const d = threw(() => decodeRequest(signal, bytes));
        const s = threw(() => scanRequest(signal, bytes));
        if (d !== undefined) expect(d).toBeInstanceOf(OtlpDecodeError);
        if (s !== undefined) expect(s).toBeInstanceOf(OtlpDecodeError);
        expect(s === undefined).toBe(d === undefined);
      }
    }
  });

  // The scanner's one-byte fast paths and its generic path must accept exactly what the decoder
  // accepts, deep inside real requests too: single-byte mutations reach every nesting level.
  test.each(SIGNALS)('%s: scan and decode agree on mutated SDK requests, and on their item counts', async (signal) => {
    const original = await fixture(signal);
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const interesting = [0x00, 0x01, 0x08, 0x0a, 0x10, 0x12, 0x7f, 0x80, 0xc3, 0xff];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = original.slice();
      bytes[rand(bytes.length)] = i % 2 === 0 ? rand(256) : interesting[rand(interesting.length)];
      let decoded: ReturnType<typeof decodeRequest> | undefined;
      const d = threw(() => (decoded = decodeRequest(signal, bytes)));
      let items = -1;
      const s = threw(() => (items = scanRequest(signal, bytes)));
      if (d !== undefined) expect(d).toBeInstanceOf(OtlpDecodeError);
      if (s !== undefined) expect(s).toBeInstanceOf(OtlpDecodeError);
      expect(s === undefined, `mutation ${i}: scan ${String(s)}, decode ${String(d)}`).toBe(d === undefined);
      if (decoded !== undefined) {
        expect(items).toBe(countItems(signal, decoded));
        accepted++;
      }
    }
    // Both outcomes must be well represented for the comparison to mean anything.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2700);
  });

  test('trace_id of 15 bytes is rejected with the span index', async () => {
    const req = decodeTraces((await sdkTraces(3)).proto);
    req.resourceSpans[0].scopeSpans[0].spans[2].traceId = new Uint8Array(15);
    const bytes = encodeTraces(req);
    expect(() => decodeTraces(bytes)).toThrow(/span 2: trace_id has 15 bytes, want 16/);
    expect(() => scanRequest('traces', bytes)).toThrow(/span 2: trace_id has 15 bytes, want 16/);
  });

  test('span_id and parent_span_id must be 8 bytes; empty is allowed', async () => {
    const span = decodeTraces((await sdkTraces(1)).proto).resourceSpans[0].scopeSpans[0].spans[0];
    expect(() => decodeSpan(encodeSpan({ ...span, spanId: new Uint8Array(7) }))).toThrow(/span_id has 7 bytes, want 8/);
    expect(() => decodeSpan(encodeSpan({ ...span, parentSpanId: new Uint8Array(9) }))).toThrow(
      /parent_span_id has 9 bytes, want 8/,
    );
    expect(decodeSpan(encodeSpan({ ...span, parentSpanId: new Uint8Array(0) })).parentSpanId).toHaveLength(0);
  });

  test('invalid UTF-8 in a string is rejected by decode and scan', async () => {
    const req = decodeTraces((await sdkTraces(1)).proto);
    req.resourceSpans[0].scopeSpans[0].spans[0].name = 'nameé';
    const bytes = encodeTraces(req);
    // 'é' is C3 A9; C3 C3 is not UTF-8.
    const at = Buffer.from(bytes).indexOf(Buffer.from('nameé'));
    bytes[at + 5] = 0xc3;
    expect(() => decodeTraces(bytes)).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(bytes)).toThrow(/UTF-8/);
    expect(() => scanRequest('traces', bytes)).toThrow(/UTF-8/);
  });

  test('a non-ASCII byte is found at every position of strings of every length, in names and attribute fast paths', async () => {
    const req = decodeTraces((await sdkTraces(1)).proto);
    const span = req.resourceSpans[0].scopeSpans[0].spans[0];
    for (let length = 1; length <= 21; length++) {
      const text = 'abcdefghijklmnopqrstuvwxyz'.slice(0, length);
      span.name = `N${text}`;
      span.attributes = [{ key: `K${text}`, value: { stringValue: `V${text}` } }];
      const bytes = Buffer.from(encodeTraces(req));
      const items = countItems('traces', req);
      expect(scanRequest('traces', bytes)).toBe(items);
      for (const marker of ['N', 'K', 'V']) {
        const start = bytes.indexOf(Buffer.from(marker + text)) + 1;
        for (let at = start; at < start + length; at++) {
          const bad = Buffer.from(bytes);
          bad[at] = 0xff;
          expect(() => scanRequest('traces', bad), `${marker} length ${length} at ${at - start}`).toThrow(/invalid UTF-8/);
          // Valid multi-byte UTF-8 in the same place passes: é is C3 A9.
          if (at + 1 < start + length) {
            const good = Buffer.from(bytes);
            good[at] = 0xc3;
            good[at + 1] = 0xa9;
            expect(scanRequest('traces', good), `${marker} length ${length} at ${at - start}`).toBe(items);
          }
        }
      }
    }
  });

  test('a length past the end is named at its first byte, whether it takes one byte or two', () => {
    // resource_spans (tag 0x0a) announcing 5 bytes, then 128 bytes, with 1 byte behind either.
    expect(() => scanRequest('traces', new Uint8Array([0x0a, 0x05, 0x00]))).toThrow(/length 5 runs past the end of its message at byte 1$/);
    expect(() => scanRequest('traces', new Uint8Array([0x0a, 0x80, 0x01, 0x00]))).toThrow(/length 128 runs past the end of its message at byte 1$/);
  });

  test('bad wire type for a known field, varint overflow, length past the end', () => {
    // resource_spans (field 1) sent as a varint
    expect(() => decodeTraces(new Uint8Array([0x08, 0x01]))).toThrow(/wrong wire type/);
    expect(() => scanRequest('traces', new Uint8Array([0x08, 0x01]))).toThrow(/wrong wire type/);
    // an 11-byte varint
    const overflow = new Uint8Array([0xf8, 0x01, ...new Array(10).fill(0xff), 0x01]);
    expect(() => decodeTraces(overflow)).toThrow(/varint longer than 10 bytes/);
    expect(() => decodeTraces(new Uint8Array([0x0a, 0x05, 0x00]))).toThrow(/runs past the end/);
    // wire type 7 does not exist
    expect(() => decodeTraces(new Uint8Array([0xff, 0x01]))).toThrow(OtlpDecodeError);
  });
});

describe('JSON errors', () => {
  test('invalid JSON, wrong types, bad hex ids', () => {
    expect(() => decodeJson('traces', '{"resourceSpans": [')).toThrow(OtlpDecodeError);
    expect(() => decodeJson('traces', '[]')).toThrow(/want an object/);
    expect(() => decodeJson('traces', '{"resourceSpans": {}}')).toThrow(/resourceSpans: want an array/);
    const span = (fields: string): string =>
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x",${fields}}]}]}]}`;
    expect(() => decodeJson('traces', span('"traceId":"abc"'))).toThrow(/spans\[0\]\.traceId: hex id has 3 digits/);
    expect(() => decodeJson('traces', span('"traceId":"zz000000000000000000000000000000"'))).toThrow(/want a hex string/);
    expect(() => decodeJson('traces', span('"spanId":"0011223344556677aa"'))).toThrow(/want 16/);
    expect(() => decodeJson('traces', span('"startTimeUnixNano":"12x"'))).toThrow(/startTimeUnixNano/);
    expect(() => decodeJson('traces', span('"name":5'))).toThrow(/name: want a string/);
    expect(() => decodeJson('traces', span('"kind":"SPAN_KIND_BOGUS"'))).toThrow(/unknown enum value/);
    expect(() => decodeJson('logs', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"!!"}}]}]}]}')).toThrow(
      /base64/,
    );
  });
});
