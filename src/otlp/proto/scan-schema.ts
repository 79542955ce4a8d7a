// Structural schemas for scanRequest: for each field number, the wire type it must have and how
// its value is checked. They mirror the field numbers used by the decoders in this folder.
import { FIXED32, FIXED64, LEN, VARINT } from './reader.ts';

const SCALAR = 0; // check the wire type and skip
export const STRING = 1; // UTF-8 checked
const BYTES = 2;
export const ID16 = 3; // empty or 16 bytes
export const ID8 = 4; // empty or 8 bytes
export const MESSAGE = 5;
export const PACKED = 6; // repeated scalar: packed (LEN) or one element (alt wire type)

// What the scanner does for a field whose whole tag is one byte and matches its schema: every
// OTLP field below 16 with its expected wire type. Anything else (unknown fields, wrong wire
// types, two-byte tags) takes the generic path, which also produces the error messages.
export const GENERIC = 0;
export const SKIP_VARINT = 1;
export const SKIP_FIXED64 = 2;
export const SKIP_FIXED32 = 3;
export const SKIP_LEN = 4;
export const CHECK_STRING = 5;
export const CHECK_ID16 = 6;
export const CHECK_ID8 = 7;
export const SCAN_MESSAGE = 8;
export const SCAN_KEY_VALUE = 9;

const SKIP_BY_WIRE = [SKIP_VARINT, SKIP_FIXED64, SKIP_LEN, GENERIC, GENERIC, SKIP_FIXED32];

export class ScanSchema {
  readonly name: string;
  /** Counted as one item (span, data point, log record). */
  readonly isItem: boolean;
  /** KeyValue: the scanner first tries its {key, string value} shortcut. */
  readonly isKeyValue: boolean;
  readonly wire = new Int8Array(32).fill(-1);
  readonly alt = new Int8Array(32).fill(-1);
  readonly kind = new Uint8Array(32);
  readonly fieldName: string[] = new Array<string>(32).fill('');
  readonly child: (ScanSchema | null)[] = new Array<ScanSchema | null>(32).fill(null);
  /** Indexed by a one-byte tag: the action above, GENERIC for anything not listed. */
  readonly action = new Uint8Array(128);

  constructor(name: string, isItem: boolean, isKeyValue = false) {
    this.name = name;
    this.isItem = isItem;
    this.isKeyValue = isKeyValue;
  }

  #define(field: number, wire: number, kind: number, action: number): this {
    this.wire[field] = wire;
    this.kind[field] = kind;
    if (field < 16) this.action[(field << 3) | wire] = action;
    return this;
  }

  scalar(field: number, wire: number): this {
    return this.#define(field, wire, SCALAR, SKIP_BY_WIRE[wire]);
  }

  string(field: number, name: string): this {
    this.fieldName[field] = name;
    return this.#define(field, LEN, STRING, CHECK_STRING);
  }

  bytes(field: number, kind: number, name: string): this {
    this.fieldName[field] = name;
    return this.#define(field, LEN, kind, kind === ID16 ? CHECK_ID16 : kind === ID8 ? CHECK_ID8 : SKIP_LEN);
  }

  message(field: number, child: ScanSchema): this {
    this.child[field] = child;
    return this.#define(field, LEN, MESSAGE, child.isKeyValue ? SCAN_KEY_VALUE : SCAN_MESSAGE);
  }

  packed(field: number, alt: number): this {
    this.alt[field] = alt;
    return this.#define(field, LEN, PACKED, SKIP_LEN);
  }
}

// AnyValue, ArrayValue, KeyValueList and KeyValue are mutually recursive.
export const ANY_VALUE = new ScanSchema('AnyValue', false);
const ARRAY_VALUE = new ScanSchema('ArrayValue', false).message(1, ANY_VALUE);
export const KEY_VALUE = new ScanSchema('KeyValue', false, true).string(1, 'attribute key').message(2, ANY_VALUE);
const KEY_VALUE_LIST = new ScanSchema('KeyValueList', false).message(1, KEY_VALUE);
ANY_VALUE.string(1, 'string value')
  .scalar(2, VARINT)
  .scalar(3, VARINT)
  .scalar(4, FIXED64)
  .message(5, ARRAY_VALUE)
  .message(6, KEY_VALUE_LIST)
  .bytes(7, BYTES, 'bytes_value');

const SCOPE = new ScanSchema('InstrumentationScope', false)
  .string(1, 'scope name')
  .string(2, 'scope version')
  .message(3, KEY_VALUE)
  .scalar(4, VARINT);
const ENTITY_REF = new ScanSchema('EntityRef', false).string(1, 'schema_url').string(2, 'type').string(3, 'id_keys').string(4, 'description_keys');
const RESOURCE = new ScanSchema('Resource', false).message(1, KEY_VALUE).scalar(2, VARINT).message(3, ENTITY_REF);

function envelopes(item: ScanSchema, signal: string, resourceName: string, scopeName: string): ScanSchema {
  const scoped = new ScanSchema(scopeName, false).message(1, SCOPE).message(2, item).string(3, 'schema_url');
  const resourced = new ScanSchema(resourceName, false).message(1, RESOURCE).message(2, scoped).string(3, 'schema_url');
  return new ScanSchema(`Export${signal}ServiceRequest`, false).message(1, resourced);
}

// ---- traces ----
const EVENT = new ScanSchema('Span.Event', false).scalar(1, FIXED64).string(2, 'event name').message(3, KEY_VALUE).scalar(4, VARINT);
const LINK = new ScanSchema('Span.Link', false)
  .bytes(1, ID16, 'link trace_id')
  .bytes(2, ID8, 'link span_id')
  .string(3, 'link trace_state')
  .message(4, KEY_VALUE)
  .scalar(5, VARINT)
  .scalar(6, FIXED32);
const STATUS = new ScanSchema('Status', false).string(2, 'status message').scalar(3, VARINT);
const SPAN = new ScanSchema('span', true)
  .bytes(1, ID16, 'trace_id')
  .bytes(2, ID8, 'span_id')
  .string(3, 'trace_state')
  .bytes(4, ID8, 'parent_span_id')
  .string(5, 'name')
  .scalar(6, VARINT)
  .scalar(7, FIXED64)
  .scalar(8, FIXED64)
  .message(9, KEY_VALUE)
  .scalar(10, VARINT)
  .message(11, EVENT)
  .scalar(12, VARINT)
  .message(13, LINK)
  .scalar(14, VARINT)
  .message(15, STATUS)
  .scalar(16, FIXED32);
export const TRACES_REQUEST = envelopes(SPAN, 'Trace', 'ResourceSpans', 'ScopeSpans');

// ---- metrics ----
const EXEMPLAR = new ScanSchema('Exemplar', false)
  .message(7, KEY_VALUE)
  .scalar(2, FIXED64)
  .scalar(3, FIXED64)
  .scalar(6, FIXED64)
  .bytes(4, ID8, 'exemplar span_id')
  .bytes(5, ID16, 'exemplar trace_id');
const NUMBER_POINT = new ScanSchema('data point', true)
  .message(7, KEY_VALUE)
  .scalar(2, FIXED64)
  .scalar(3, FIXED64)
  .scalar(4, FIXED64)
  .scalar(6, FIXED64)
  .message(5, EXEMPLAR)
  .scalar(8, VARINT);
const HISTOGRAM_POINT = new ScanSchema('data point', true)
  .message(9, KEY_VALUE)
  .scalar(2, FIXED64)
  .scalar(3, FIXED64)
  .scalar(4, FIXED64)
  .scalar(5, FIXED64)
  .packed(6, FIXED64)
  .packed(7, FIXED64)
  .message(8, EXEMPLAR)
  .scalar(10, VARINT)
  .scalar(11, FIXED64)
  .scalar(12, FIXED64);
const BUCKETS = new ScanSchema('Buckets', false).scalar(1, VARINT).packed(2, VARINT);
const EXP_POINT = new ScanSchema('data point', true)
  .message(1, KEY_VALUE)
  .scalar(2, FIXED64)
  .scalar(3, FIXED64)
  .scalar(4, FIXED64)
  .scalar(5, FIXED64)
  .scalar(6, VARINT)
  .scalar(7, FIXED64)
  .message(8, BUCKETS)
  .message(9, BUCKETS)
  .scalar(10, VARINT)
  .message(11, EXEMPLAR)
  .scalar(12, FIXED64)
  .scalar(13, FIXED64)
  .scalar(14, FIXED64);
const QUANTILE = new ScanSchema('ValueAtQuantile', false).scalar(1, FIXED64).scalar(2, FIXED64);
const SUMMARY_POINT = new ScanSchema('data point', true)
  .message(7, KEY_VALUE)
  .scalar(2, FIXED64)
  .scalar(3, FIXED64)
  .scalar(4, FIXED64)
  .scalar(5, FIXED64)
  .message(6, QUANTILE)
  .scalar(8, VARINT);
const METRIC = new ScanSchema('Metric', false)
  .string(1, 'metric name')
  .string(2, 'metric description')
  .string(3, 'metric unit')
  .message(5, new ScanSchema('Gauge', false).message(1, NUMBER_POINT))
  .message(7, new ScanSchema('Sum', false).message(1, NUMBER_POINT).scalar(2, VARINT).scalar(3, VARINT))
  .message(9, new ScanSchema('Histogram', false).message(1, HISTOGRAM_POINT).scalar(2, VARINT))
  .message(10, new ScanSchema('ExponentialHistogram', false).message(1, EXP_POINT).scalar(2, VARINT))
  .message(11, new ScanSchema('Summary', false).message(1, SUMMARY_POINT))
  .message(12, KEY_VALUE);
export const METRICS_REQUEST = envelopes(METRIC, 'Metrics', 'ResourceMetrics', 'ScopeMetrics');

// ---- logs ----
const LOG_RECORD = new ScanSchema('log record', true)
  .scalar(1, FIXED64)
  .scalar(2, VARINT)
  .string(3, 'severity_text')
  .message(5, ANY_VALUE)
  .message(6, KEY_VALUE)
  .scalar(7, VARINT)
  .scalar(8, FIXED32)
  .bytes(9, ID16, 'trace_id')
  .bytes(10, ID8, 'span_id')
  .scalar(11, FIXED64)
  .string(12, 'event_name');
export const LOGS_REQUEST = envelopes(LOG_RECORD, 'Logs', 'ResourceLogs', 'ScopeLogs');
