// Structural schemas for scanRequest: for each field number, the wire type it must have and how
// its value is checked. They are compiled from the schema table (schema.ts), as the decoders'
// tags are, so the scanner and the decoders cannot disagree on a field.
import { LEN } from './reader.ts';
import { isMessageType, schemaFields, unpackedWireType, type MessageName } from './schema.ts';

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

// ---- the scanner's schemas, compiled once from the schema table ----

/** Item messages, counted by the scanner, and what an error calls them ("span 3: ..."). */
const ITEM_NAMES: { readonly [message: string]: string } = {
  Span: 'span',
  NumberDataPoint: 'data point',
  HistogramDataPoint: 'data point',
  ExponentialHistogramDataPoint: 'data point',
  SummaryDataPoint: 'data point',
  LogRecord: 'log record',
};

/** How errors name a field of these messages: "<word> <field_name>" ("link trace_id"). */
const MESSAGE_WORDS: { readonly [message: string]: string } = {
  KeyValue: 'attribute',
  InstrumentationScope: 'scope',
  'Span.Event': 'event',
  'Span.Link': 'link',
  Status: 'status',
  Metric: 'metric',
  Exemplar: 'exemplar',
};

function fieldLabel(message: MessageName, field: string): string {
  if (message === 'AnyValue' && field === 'stringValue') return 'string value';
  const snake = field.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
  return Object.hasOwn(MESSAGE_WORDS, message) ? `${MESSAGE_WORDS[message]} ${snake}` : snake;
}

const compiled = new Map<MessageName, ScanSchema>();

/** The scan schema of `message`; recursive messages (AnyValue, KeyValue, ...) share one object. */
function compile(message: MessageName): ScanSchema {
  let schema = compiled.get(message);
  if (schema !== undefined) return schema;
  const isItem = Object.hasOwn(ITEM_NAMES, message);
  schema = new ScanSchema(isItem ? ITEM_NAMES[message] : message, isItem, message === 'KeyValue');
  compiled.set(message, schema);
  for (const f of schemaFields(message)) {
    const label = fieldLabel(message, f.name);
    if (isMessageType(f.type)) schema.message(f.number, compile(f.type));
    else if (f.type === 'string') schema.string(f.number, label);
    else if (f.type === 'bytes') schema.bytes(f.number, BYTES, label);
    else if (f.type === 'trace_id') schema.bytes(f.number, ID16, label);
    else if (f.type === 'span_id') schema.bytes(f.number, ID8, label);
    else if (f.type.startsWith('packed ')) schema.packed(f.number, unpackedWireType(f.type));
    else schema.scalar(f.number, f.wire);
  }
  return schema;
}

export const TRACES_REQUEST = compile('ExportTraceServiceRequest');
export const METRICS_REQUEST = compile('ExportMetricsServiceRequest');
export const LOGS_REQUEST = compile('ExportLogsServiceRequest');
