// The OTLP protobuf schema, once: every message Sluice reads or writes, each field's number and
// type, taken from opentelemetry-proto v1 (common, resource, trace, metrics, logs and the
// collector services). Field names are the OTLP/JSON names, which are also the property names of
// the model in ../types.ts, so one name means the same field in the table, the model and JSON.
//
// Everything else is derived from this table: the tags the codecs switch on and write (TAG), the
// known-field masks the decoders use to tell an unknown field from a wrong wire type, and the
// scanner's structural schemas (scan-schema.ts). A test checks it against the field numbers the
// OpenTelemetry JS SDK's serialiser writes (test/otlp/schema.test.ts).
//
// Codec modules read tags through a module-level alias (`const SPAN = TAG.Span`, then
// `case SPAN.name:`): measured as fast as a literal in a switch, where an imported binding is not.
import { FIXED32, FIXED64, LEN, VARINT } from './reader.ts';

/** A scalar's protobuf type, `packed <scalar>` for a packed repeated field, or a message's name. */
type ScalarType =
  | 'string'
  | 'bytes'
  | 'trace_id' // bytes: empty or 16
  | 'span_id' // bytes: empty or 8
  | 'bool'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'int64'
  | 'uint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed64'
  | 'double'
  | 'packed fixed64'
  | 'packed double'
  | 'packed uint64';

export type FieldType = ScalarType | MessageName;
type FieldSpec = readonly [number: number, type: ScalarType | string];

export const OTLP_SCHEMA = {
  // ---- common/v1, resource/v1 ----
  AnyValue: {
    stringValue: [1, 'string'],
    boolValue: [2, 'bool'],
    intValue: [3, 'int64'],
    doubleValue: [4, 'double'],
    arrayValue: [5, 'ArrayValue'],
    kvlistValue: [6, 'KeyValueList'],
    bytesValue: [7, 'bytes'],
  },
  ArrayValue: { values: [1, 'AnyValue'] },
  KeyValueList: { values: [1, 'KeyValue'] },
  KeyValue: { key: [1, 'string'], value: [2, 'AnyValue'] },
  InstrumentationScope: {
    name: [1, 'string'],
    version: [2, 'string'],
    attributes: [3, 'KeyValue'],
    droppedAttributesCount: [4, 'uint32'],
  },
  EntityRef: { schemaUrl: [1, 'string'], type: [2, 'string'], idKeys: [3, 'string'], descriptionKeys: [4, 'string'] },
  Resource: { attributes: [1, 'KeyValue'], droppedAttributesCount: [2, 'uint32'], entityRefs: [3, 'EntityRef'] },

  // ---- trace/v1, collector/trace/v1 ----
  ExportTraceServiceRequest: { resourceSpans: [1, 'ResourceSpans'] },
  ResourceSpans: { resource: [1, 'Resource'], scopeSpans: [2, 'ScopeSpans'], schemaUrl: [3, 'string'] },
  ScopeSpans: { scope: [1, 'InstrumentationScope'], spans: [2, 'Span'], schemaUrl: [3, 'string'] },
  Span: {
    traceId: [1, 'trace_id'],
    spanId: [2, 'span_id'],
    traceState: [3, 'string'],
    parentSpanId: [4, 'span_id'],
    name: [5, 'string'],
    kind: [6, 'int32'],
    startTimeUnixNano: [7, 'fixed64'],
    endTimeUnixNano: [8, 'fixed64'],
    attributes: [9, 'KeyValue'],
    droppedAttributesCount: [10, 'uint32'],
    events: [11, 'Span.Event'],
    droppedEventsCount: [12, 'uint32'],
    links: [13, 'Span.Link'],
    droppedLinksCount: [14, 'uint32'],
    status: [15, 'Status'],
    flags: [16, 'fixed32'],
  },
  'Span.Event': {
    timeUnixNano: [1, 'fixed64'],
    name: [2, 'string'],
    attributes: [3, 'KeyValue'],
    droppedAttributesCount: [4, 'uint32'],
  },
  'Span.Link': {
    traceId: [1, 'trace_id'],
    spanId: [2, 'span_id'],
    traceState: [3, 'string'],
    attributes: [4, 'KeyValue'],
    droppedAttributesCount: [5, 'uint32'],
    flags: [6, 'fixed32'],
  },
  Status: { message: [2, 'string'], code: [3, 'int32'] },

  // ---- metrics/v1, collector/metrics/v1 ----
  ExportMetricsServiceRequest: { resourceMetrics: [1, 'ResourceMetrics'] },
  ResourceMetrics: { resource: [1, 'Resource'], scopeMetrics: [2, 'ScopeMetrics'], schemaUrl: [3, 'string'] },
  ScopeMetrics: { scope: [1, 'InstrumentationScope'], metrics: [2, 'Metric'], schemaUrl: [3, 'string'] },
  Metric: {
    name: [1, 'string'],
    description: [2, 'string'],
    unit: [3, 'string'],
    gauge: [5, 'Gauge'],
    sum: [7, 'Sum'],
    histogram: [9, 'Histogram'],
    exponentialHistogram: [10, 'ExponentialHistogram'],
    summary: [11, 'Summary'],
    metadata: [12, 'KeyValue'],
  },
  Gauge: { dataPoints: [1, 'NumberDataPoint'] },
  Sum: { dataPoints: [1, 'NumberDataPoint'], aggregationTemporality: [2, 'int32'], isMonotonic: [3, 'bool'] },
  Histogram: { dataPoints: [1, 'HistogramDataPoint'], aggregationTemporality: [2, 'int32'] },
  ExponentialHistogram: { dataPoints: [1, 'ExponentialHistogramDataPoint'], aggregationTemporality: [2, 'int32'] },
  Summary: { dataPoints: [1, 'SummaryDataPoint'] },
  NumberDataPoint: {
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    asDouble: [4, 'double'],
    exemplars: [5, 'Exemplar'],
    asInt: [6, 'sfixed64'],
    attributes: [7, 'KeyValue'],
    flags: [8, 'uint32'],
  },
  HistogramDataPoint: {
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    bucketCounts: [6, 'packed fixed64'],
    explicitBounds: [7, 'packed double'],
    exemplars: [8, 'Exemplar'],
    attributes: [9, 'KeyValue'],
    flags: [10, 'uint32'],
    min: [11, 'double'],
    max: [12, 'double'],
  },
  ExponentialHistogramDataPoint: {
    attributes: [1, 'KeyValue'],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    scale: [6, 'sint32'],
    zeroCount: [7, 'fixed64'],
    positive: [8, 'ExponentialHistogramDataPoint.Buckets'],
    negative: [9, 'ExponentialHistogramDataPoint.Buckets'],
    flags: [10, 'uint32'],
    exemplars: [11, 'Exemplar'],
    min: [12, 'double'],
    max: [13, 'double'],
    zeroThreshold: [14, 'double'],
  },
  'ExponentialHistogramDataPoint.Buckets': { offset: [1, 'sint32'], bucketCounts: [2, 'packed uint64'] },
  SummaryDataPoint: {
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    quantileValues: [6, 'SummaryDataPoint.ValueAtQuantile'],
    attributes: [7, 'KeyValue'],
    flags: [8, 'uint32'],
  },
  'SummaryDataPoint.ValueAtQuantile': { quantile: [1, 'double'], value: [2, 'double'] },
  Exemplar: {
    timeUnixNano: [2, 'fixed64'],
    asDouble: [3, 'double'],
    spanId: [4, 'span_id'],
    traceId: [5, 'trace_id'],
    asInt: [6, 'sfixed64'],
    filteredAttributes: [7, 'KeyValue'],
  },

  // ---- logs/v1, collector/logs/v1 ----
  ExportLogsServiceRequest: { resourceLogs: [1, 'ResourceLogs'] },
  ResourceLogs: { resource: [1, 'Resource'], scopeLogs: [2, 'ScopeLogs'], schemaUrl: [3, 'string'] },
  ScopeLogs: { scope: [1, 'InstrumentationScope'], logRecords: [2, 'LogRecord'], schemaUrl: [3, 'string'] },
  LogRecord: {
    timeUnixNano: [1, 'fixed64'],
    severityNumber: [2, 'int32'],
    severityText: [3, 'string'],
    // 4 is reserved
    body: [5, 'AnyValue'],
    attributes: [6, 'KeyValue'],
    droppedAttributesCount: [7, 'uint32'],
    flags: [8, 'fixed32'],
    traceId: [9, 'trace_id'],
    spanId: [10, 'span_id'],
    observedTimeUnixNano: [11, 'fixed64'],
    eventName: [12, 'string'],
  },

  // ---- Export*ServiceResponse: the three signals share field numbers; the count is named
  // rejected_spans, rejected_data_points or rejected_log_records by signal ----
  ExportServiceResponse: { partialSuccess: [1, 'ExportPartialSuccess'] },
  ExportPartialSuccess: { rejected: [1, 'int64'], errorMessage: [2, 'string'] },
} as const satisfies { readonly [message: string]: { readonly [field: string]: FieldSpec } };

export type OtlpSchema = typeof OTLP_SCHEMA;
export type MessageName = keyof OtlpSchema;

/** The wire type each scalar type is written with; every message and packed field is LEN. */
const WIRE_BY_TYPE: { readonly [T in ScalarType]: number } = {
  string: LEN,
  bytes: LEN,
  trace_id: LEN,
  span_id: LEN,
  bool: VARINT,
  int32: VARINT,
  uint32: VARINT,
  sint32: VARINT,
  int64: VARINT,
  uint64: VARINT,
  fixed32: FIXED32,
  fixed64: FIXED64,
  sfixed64: FIXED64,
  double: FIXED64,
  'packed fixed64': LEN,
  'packed double': LEN,
  'packed uint64': LEN,
};

export function isMessageType(type: string): type is MessageName {
  return Object.hasOwn(OTLP_SCHEMA, type);
}

export function wireType(type: string): number {
  if (isMessageType(type)) return LEN;
  if (!Object.hasOwn(WIRE_BY_TYPE, type)) throw new TypeError(`OTLP schema: unknown field type "${type}"`);
  return WIRE_BY_TYPE[type as ScalarType];
}

/** A packed repeated scalar may also arrive unpacked, one element per field: its element's wire type. */
export function unpackedWireType(type: string): number {
  return type.startsWith('packed ') ? wireType(type.slice('packed '.length)) : -1;
}

/** One field of the table, flattened. */
export interface SchemaField {
  readonly name: string;
  readonly number: number;
  readonly type: FieldType;
  readonly wire: number;
  readonly tag: number;
}

export function schemaFields(message: MessageName): SchemaField[] {
  const fields: SchemaField[] = [];
  const spec = OTLP_SCHEMA[message] as { readonly [field: string]: FieldSpec };
  for (const name of Object.keys(spec)) {
    const [number, type] = spec[name];
    const wire = wireType(type);
    fields.push({ name, number, type: type as FieldType, wire, tag: (number << 3) | wire });
  }
  return fields;
}

type Tags = { readonly [M in MessageName]: { readonly [F in keyof OtlpSchema[M]]: number } };

/** Every field's tag (field number << 3 | wire type), by message and field name: `TAG.Span.name` is 42. */
export const TAG: Tags = buildTags();

function buildTags(): Tags {
  const tags: Record<string, Record<string, number>> = {};
  for (const message of Object.keys(OTLP_SCHEMA) as MessageName[]) {
    const byField: Record<string, number> = {};
    for (const f of schemaFields(message)) byField[f.name] = f.tag;
    tags[message] = Object.freeze(byField);
  }
  return Object.freeze(tags) as Tags;
}

/**
 * The message's field numbers as a bit mask, for ProtoReader.unknown: a field the message has
 * that arrives with another wire type is an error; any other field is unknown and skipped.
 */
export function knownFields(message: MessageName): number {
  let mask = 0;
  for (const f of schemaFields(message)) mask |= 1 << f.number;
  return mask;
}

/** The tag of `message`'s field `field`; throws for a field the table does not have. */
export function fieldTag(message: MessageName, field: string): number {
  const tags = TAG[message] as { readonly [field: string]: number };
  if (!Object.hasOwn(tags, field)) throw new TypeError(`OTLP schema: ${message} has no field ${field}`);
  return tags[field];
}
