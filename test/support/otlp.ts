// Hand-built OTLP pieces in Sluice's model, shared by the tests that build requests by hand
// (where the real SDK cannot make the shape a test needs). Suite fixtures add their own defaults
// on top; the OTLP shells (attributes, metrics, scopes, resources, requests) are built here once.
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
  Metric,
  Resource,
  ResourceMetrics,
  ScopeMetrics,
  Span,
} from '../../src/otlp/types.ts';

export type Scalar = string | number | boolean | bigint;

/** A string, bool, int (a bigint or an integral number) or double (any other number). */
export function anyValue(value: Scalar): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { intValue: value };
  return Number.isInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
}

/** `{ k: v }` → OTLP attributes, in key order as written. */
export function attrs(record: Record<string, Scalar>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** A metric with one data field (`{ gauge }`, `{ sum }`, …). */
export function metric(name: string, data: Partial<Metric>, unit = '', description = ''): Metric {
  return { name, description, unit, metadata: [], ...data };
}

export function scopeMetrics(metrics: Metric[], name = 'test', version = '1'): ScopeMetrics {
  return { scope: { name, version, attributes: [], droppedAttributesCount: 0 }, metrics, schemaUrl: '' };
}

export function resourceMetrics(resourceAttributes: KeyValue[], scopes: ScopeMetrics[]): ResourceMetrics {
  return { resource: resource(resourceAttributes), scopeMetrics: scopes, schemaUrl: '' };
}

/** A request with one resource. */
export function metricsRequest(resourceAttributes: KeyValue[], scopes: ScopeMetrics[]): ExportMetricsServiceRequest {
  return { resourceMetrics: [resourceMetrics(resourceAttributes, scopes)] };
}

export function resource(attributes: KeyValue[]): Resource {
  return { attributes, droppedAttributesCount: 0, entityRefs: [] };
}

/** A server span with zero ids, times 1 and 2 ns, and no events or links unless given. */
export function span(attributes: KeyValue[] = [], extra: Partial<Span> = {}): Span {
  return {
    traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
    name: 'GET /users', kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined, ...extra,
  };
}

/** A request with one resource and one scope-less scope. */
export function tracesRequest(spans: Span[], resourceAttributes: KeyValue[] = []): ExportTraceServiceRequest {
  return { resourceSpans: [{ resource: resource(resourceAttributes), scopeSpans: [{ scope: undefined, spans, schemaUrl: '' }], schemaUrl: '' }] };
}

/** An INFO log record at 1 ns. */
export function logRecord(body: AnyValue | undefined, attributes: KeyValue[] = []): LogRecord {
  return {
    timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: 'INFO', body, attributes,
    droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '',
  };
}

/** A request with one resource and one scope-less scope. */
export function logsRequest(records: LogRecord[], resourceAttributes: KeyValue[] = []): ExportLogsServiceRequest {
  return { resourceLogs: [{ resource: resource(resourceAttributes), scopeLogs: [{ scope: undefined, logRecords: records, schemaUrl: '' }], schemaUrl: '' }] };
}
