import { describe, expect, test } from 'vitest';
import {
  decodeJson,
  decodeRequest,
  encodeJson,
  encodeJsonResponse,
  type ExportLogsServiceRequest,
  type ExportTraceServiceRequest,
  type Signal,
} from '../../src/otlp/index.ts';
import { sdkLogs, sdkMetrics, sdkTraces, type SdkBytes } from './sdk-fixtures.ts';

async function both(signal: Signal): Promise<SdkBytes> {
  if (signal === 'traces') return sdkTraces();
  if (signal === 'metrics') return sdkMetrics('cumulative');
  return sdkLogs();
}

/** The SDK's JSON serialiser leaves out span/link flags, which its protobuf carries. */
function withoutSpanFlags(req: ExportTraceServiceRequest): ExportTraceServiceRequest {
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        s.flags = 0;
        for (const l of s.links) l.flags = 0;
      }
  return req;
}

/** The SDK's JSON serialiser writes `"body": {}` for a record without a body; its protobuf omits it. */
function withoutEmptyBodies(req: ExportLogsServiceRequest): ExportLogsServiceRequest {
  for (const rl of req.resourceLogs)
    for (const sl of rl.scopeLogs)
      for (const r of sl.logRecords) if (r.body !== undefined && Object.keys(r.body).length === 0) r.body = undefined;
  return req;
}

describe('OTLP/JSON', () => {
  test.each(['traces', 'metrics', 'logs'] as const)('%s: SDK JSON decodes to the same data as SDK protobuf', async (signal) => {
    const { proto, json } = await both(signal);
    let fromJson = decodeJson(signal, json);
    let fromProto = decodeRequest(signal, proto);
    if (signal === 'traces') {
      fromJson = withoutSpanFlags(fromJson as ExportTraceServiceRequest);
      fromProto = withoutSpanFlags(fromProto as ExportTraceServiceRequest);
    }
    if (signal === 'logs') fromJson = withoutEmptyBodies(fromJson as ExportLogsServiceRequest);
    expect(fromJson).toEqual(fromProto);
  });

  test.each(['traces', 'metrics', 'logs'] as const)('%s: encodeJson then decodeJson is lossless', async (signal) => {
    const req = decodeRequest(signal, (await both(signal)).proto);
    const text = encodeJson(signal, req);
    expect(decodeJson(signal, text)).toEqual(req);
  });

  test('output uses hex ids, int64 strings, integer enums, lowerCamelCase keys', async () => {
    const req = decodeRequest('traces', (await sdkTraces(2)).proto);
    const text = encodeJson('traces', req);
    const span = JSON.parse(text).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.startTimeUnixNano).toBe('1700000000123456789');
    expect(typeof span.kind).toBe('number');
    expect(span.attributes.find((a: { key: string }) => a.key === 'int.neg').value).toEqual({ intValue: '-42' });
    expect(text).not.toMatch(/_[a-z]+":/);
  });

  test('snake_case names, enum names, uppercase hex, numeric int64 and non-finite doubles are accepted', () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: '0AF7651916CD43DD8448EB211C80319C',
                  span_id: 'B7AD6B7169203331',
                  name: 'op',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: 1700000000000000000,
                  end_time_unix_nano: '1700000000000000001',
                  attributes: [
                    { key: 'n', value: { int_value: 5 } },
                    { key: 'nan', value: { double_value: 'NaN' } },
                    { key: 'inf', value: { doubleValue: '-Infinity' } },
                    { key: 'b', value: { bytes_value: 'AAH+/w==' } },
                  ],
                  status: { code: 'STATUS_CODE_ERROR', message: 'x' },
                  unknownKey: { ignored: true },
                },
              ],
            },
          ],
        },
      ],
    });
    const span = decodeJson('traces', text).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId[0]).toBe(0x0a);
    expect(span.spanId[0]).toBe(0xb7);
    expect(span.kind).toBe(3);
    expect(span.startTimeUnixNano).toBe(1700000000000000000n);
    expect(span.endTimeUnixNano).toBe(1700000000000000001n);
    expect(span.attributes[0].value).toEqual({ intValue: 5n });
    expect(span.attributes[1].value.doubleValue).toBeNaN();
    expect(span.attributes[2].value.doubleValue).toBe(-Infinity);
    expect(span.attributes[3].value.bytesValue).toEqual(new Uint8Array([0, 1, 254, 255]));
    expect(span.status).toEqual({ code: 2, message: 'x' });
    expect(span.parentSpanId).toHaveLength(0);
    expect(span.droppedAttributesCount).toBe(0);
    // NaN survives the JSON round trip as the string "NaN".
    const again = decodeJson('traces', encodeJson('traces', decodeJson('traces', text)));
    expect(again.resourceSpans[0].scopeSpans[0].spans[0].attributes[1].value.doubleValue).toBeNaN();
  });

  test('integers outside the 64-bit range are rejected', () => {
    const log = (v: string): string => `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":${v}}}]}]}]}`;
    expect(() => decodeJson('logs', log('6.02e23'))).toThrow(/out of 64-bit range/);
    expect(() => decodeJson('logs', log('"9223372036854775808"'))).toThrow(/out of 64-bit range/);
    expect(decodeJson('logs', log('"-9223372036854775808"')).resourceLogs[0].scopeLogs[0].logRecords[0].body).toEqual({
      intValue: -(2n ** 63n),
    });
  });

  test('encodeJsonResponse', () => {
    expect(encodeJsonResponse('traces', 0, '')).toBe('{}');
    expect(JSON.parse(encodeJsonResponse('traces', 3, 'bad'))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'bad' },
    });
    expect(JSON.parse(encodeJsonResponse('metrics', 2, ''))).toEqual({ partialSuccess: { rejectedDataPoints: '2' } });
    expect(JSON.parse(encodeJsonResponse('logs', 0, 'why'))).toEqual({ partialSuccess: { errorMessage: 'why' } });
    expect(JSON.parse(encodeJsonResponse('logs', 9, ''))).toEqual({ partialSuccess: { rejectedLogRecords: '9' } });
  });
});
