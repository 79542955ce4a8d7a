import { describe, expect, test } from 'vitest';
import { ProtoReader } from '../../src/otlp/proto/reader.ts';
import {
  isMessageType,
  knownFields,
  OTLP_SCHEMA,
  schemaFields,
  TAG,
  type MessageName,
  type SchemaField,
} from '../../src/otlp/proto/schema.ts';
import { sdkLogs, sdkMetrics, sdkTraces, type SdkBytes } from './sdk-fixtures.ts';

type Json = { [key: string]: unknown };

/**
 * Walks the SDK's protobuf bytes with the table, beside the SDK's OTLP/JSON of the same data: every
 * field the protobuf serialiser writes must be in the table with the wire type the table implies,
 * under the name the JSON serialiser gives it at the same place, and strings, enums and bools
 * must hold the JSON's value. Adds each table field it meets to `seen`.
 */
function walk(r: ProtoReader, end: number, message: MessageName, json: Json, seen: Set<string>): void {
  const byNumber = new Map<number, SchemaField>(schemaFields(message).map((f) => [f.number, f]));
  const occurrences = new Map<string, number>();
  while (r.pos < end) {
    const t = r.tag(end);
    const field = byNumber.get(t >>> 3);
    if (field === undefined) throw new Error(`the SDK writes ${message} field ${t >>> 3}, which the table lacks`);
    const where = `${message}.${field.name} (field ${field.number})`;
    expect(t & 7, `${where}: wire type`).toBe(field.wire);
    expect(Object.hasOwn(json, field.name), `${where}: the SDK's JSON has it at the same place`).toBe(true);
    seen.add(`${message}.${field.name}`);
    let value = json[field.name];
    if (Array.isArray(value) && !field.type.startsWith('packed ')) {
      const i = occurrences.get(field.name) ?? 0;
      occurrences.set(field.name, i + 1);
      value = value[i];
    }
    if (isMessageType(field.type)) {
      const stop = r.sub(end);
      walk(r, stop, field.type, value as Json, seen);
      r.pos = stop;
    } else if (field.type === 'string') {
      expect(r.string(end), `${where}: value`).toBe(value);
    } else if (field.type === 'int32' || field.type === 'uint32') {
      expect(r.varint32(end) | 0, `${where}: value`).toBe(Number(value));
    } else if (field.type === 'bool') {
      expect(r.varint32(end) !== 0, `${where}: value`).toBe(value);
    } else {
      r.skip(t, end);
    }
  }
}

function walkSdk(bytes: SdkBytes, request: MessageName): Set<string> {
  const seen = new Set<string>();
  walk(new ProtoReader(bytes.proto), bytes.proto.length, request, JSON.parse(bytes.json) as Json, seen);
  return seen;
}

describe('the OTLP schema table', () => {
  test('matches the field numbers and names the SDK serialisers write: traces', async () => {
    const seen = walkSdk(await sdkTraces(), 'ExportTraceServiceRequest');
    // The fixture reaches every Span field and the common messages.
    for (const name of Object.keys(OTLP_SCHEMA.Span)) expect(seen).toContain(`Span.${name}`);
    for (const f of ['Span.Event.name', 'Span.Link.traceId', 'Status.code', 'AnyValue.arrayValue', 'AnyValue.intValue', 'AnyValue.doubleValue', 'AnyValue.boolValue', 'InstrumentationScope.version', 'ScopeSpans.schemaUrl', 'ResourceSpans.schemaUrl']) {
      expect(seen).toContain(f);
    }
  });

  test('matches the field numbers and names the SDK serialisers write: metrics', async () => {
    const seen = walkSdk(await sdkMetrics('delta'), 'ExportMetricsServiceRequest');
    for (const f of [
      'Metric.sum',
      'Metric.gauge',
      'Metric.histogram',
      'Metric.exponentialHistogram',
      'Sum.isMonotonic',
      'Sum.aggregationTemporality',
      'NumberDataPoint.asInt',
      'NumberDataPoint.asDouble',
      'HistogramDataPoint.bucketCounts',
      'HistogramDataPoint.explicitBounds',
      'HistogramDataPoint.min',
      'ExponentialHistogramDataPoint.scale',
      'ExponentialHistogramDataPoint.zeroCount',
      'ExponentialHistogramDataPoint.positive',
      'ExponentialHistogramDataPoint.negative',
      'ExponentialHistogramDataPoint.Buckets.bucketCounts',
    ]) {
      expect(seen).toContain(f);
    }
  });

  test('matches the field numbers and names the SDK serialisers write: logs', async () => {
    const seen = walkSdk(await sdkLogs(), 'ExportLogsServiceRequest');
    for (const name of Object.keys(OTLP_SCHEMA.LogRecord)) expect(seen).toContain(`LogRecord.${name}`);
    expect(seen).toContain('AnyValue.bytesValue');
    expect(seen).toContain('AnyValue.kvlistValue');
  });

  test('a field number the table gets wrong is caught by the walk', async () => {
    const bytes = await sdkTraces();
    // Span.name and Span.kind swapped: the SDK's field 5 is a string, not a varint.
    const spec = OTLP_SCHEMA.Span as unknown as Record<string, readonly [number, string]>;
    const name = spec.name;
    const kind = spec.kind;
    try {
      spec.name = kind;
      spec.kind = name;
      expect(() => walkSdk(bytes, 'ExportTraceServiceRequest')).toThrow(/Span\.(name|kind) \(field [56]\): value/);
    } finally {
      spec.name = name;
      spec.kind = kind;
    }
  });

  test('tags, masks and field numbers are consistent', () => {
    for (const message of Object.keys(OTLP_SCHEMA) as MessageName[]) {
      const fields = schemaFields(message);
      expect(new Set(fields.map((f) => f.number)).size, `${message}: numbers are unique`).toBe(fields.length);
      let mask = 0;
      for (const f of fields) {
        expect((TAG[message] as Record<string, number>)[f.name]).toBe((f.number << 3) | f.wire);
        if (isMessageType(f.type)) expect(Object.hasOwn(OTLP_SCHEMA, f.type)).toBe(true);
        mask |= 1 << f.number;
      }
      expect(knownFields(message)).toBe(mask);
    }
    expect(TAG.Span.flags).toBe(133); // the one two-byte Span tag: field 16, fixed32
    // The resource rewrite and the sampler rely on these being the same in the three signals.
    expect(Object.values(TAG.ResourceMetrics)).toEqual(Object.values(TAG.ResourceSpans));
    expect(Object.values(TAG.ResourceLogs)).toEqual(Object.values(TAG.ResourceSpans));
    expect(TAG.ExportMetricsServiceRequest.resourceMetrics).toBe(TAG.ExportTraceServiceRequest.resourceSpans);
    expect(TAG.ExportLogsServiceRequest.resourceLogs).toBe(TAG.ExportTraceServiceRequest.resourceSpans);
  });
});
