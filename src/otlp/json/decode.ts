// OTLP/JSON → the decoded data model (types.ts). Objects come out in the same shapes, with the
// same defaults, as the protobuf decoders produce, so the two are interchangeable.
import type {
  AnyValue,
  EntityRef,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
} from '../types.ts';
import type { ItemBySignal, RequestBySignal, ResourceEntryBySignal, ScopeEntryBySignal, Signal } from '../types.ts';
import { modelOf } from '../model.ts';
import { OtlpDecodeError } from '../errors.ts';
import {
  array,
  bad,
  base64,
  bool,
  double,
  enumValue,
  field,
  hexId,
  int32,
  int64,
  object,
  optionalDouble,
  optionalObject,
  SEVERITY_NAMES,
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  string,
  TEMPORALITY_NAMES,
  uint32,
  uint64,
  type Json,
} from './scalars.ts';

const MAX_DEPTH = 64;

// ---- common ----

function anyValue(v: unknown, path: string, depth: number): AnyValue {
  if (depth > MAX_DEPTH) bad(path, `AnyValue nested deeper than ${MAX_DEPTH}`);
  const o = object(v, path);
  let x = field(o, 'stringValue', 'string_value');
  if (x !== undefined) return { stringValue: string(x, `${path}.stringValue`) };
  x = field(o, 'boolValue', 'bool_value');
  if (x !== undefined) return { boolValue: bool(x, `${path}.boolValue`) };
  x = field(o, 'intValue', 'int_value');
  if (x !== undefined) return { intValue: int64(x, `${path}.intValue`) };
  x = field(o, 'doubleValue', 'double_value');
  if (x !== undefined) return { doubleValue: double(x, `${path}.doubleValue`) };
  x = field(o, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const list = array(object(x, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    const values: AnyValue[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) values[i] = anyValue(list[i], `${path}.arrayValue.values[${i}]`, depth + 1);
    return { arrayValue: { values } };
  }
  x = field(o, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const list = object(x, `${path}.kvlistValue`).values;
    return { kvlistValue: { values: keyValues(list, `${path}.kvlistValue.values`, depth + 1) } };
  }
  x = field(o, 'bytesValue', 'bytes_value');
  if (x !== undefined) return { bytesValue: base64(x, `${path}.bytesValue`) };
  return {};
}

function keyValues(v: unknown, path: string, depth: number): KeyValue[] {
  const list = array(v, path);
  const out: KeyValue[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = `${path}[${i}]`;
    const o = object(list[i], p);
    const value = o.value ?? undefined;
    out[i] = {
      key: string(o.key ?? undefined, `${p}.key`),
      value: value === undefined ? {} : anyValue(value, `${p}.value`, depth),
    };
  }
  return out;
}

function attributes(o: Json, path: string): KeyValue[] {
  return keyValues(field(o, 'attributes', 'attributes'), `${path}.attributes`, 0);
}

function dropped(o: Json, path: string): number {
  return uint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`);
}

function scope(v: unknown, path: string): InstrumentationScope | undefined {
  const o = optionalObject(v, path);
  if (o === undefined) return undefined;
  return {
    name: string(o.name ?? undefined, `${path}.name`),
    version: string(o.version ?? undefined, `${path}.version`),
    attributes: attributes(o, path),
    droppedAttributesCount: dropped(o, path),
  };
}

function strings(v: unknown, path: string): string[] {
  const list = array(v, path);
  const out: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = string(list[i], `${path}[${i}]`);
  return out;
}

function resource(v: unknown, path: string): Resource | undefined {
  const o = optionalObject(v, path);
  if (o === undefined) return undefined;
  const refs = array(field(o, 'entityRefs', 'entity_refs'), `${path}.entityRefs`);
  const entityRefs: EntityRef[] = new Array(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const p = `${path}.entityRefs[${i}]`;
    const e = object(refs[i], p);
    entityRefs[i] = {
      schemaUrl: string(field(e, 'schemaUrl', 'schema_url'), `${p}.schemaUrl`),
      type: string(e.type ?? undefined, `${p}.type`),
      idKeys: strings(field(e, 'idKeys', 'id_keys'), `${p}.idKeys`),
      descriptionKeys: strings(field(e, 'descriptionKeys', 'description_keys'), `${p}.descriptionKeys`),
    };
  }
  return { attributes: attributes(o, path), droppedAttributesCount: dropped(o, path), entityRefs };
}

function schemaUrl(o: Json, path: string): string {
  return string(field(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`);
}

function time(o: Json, camel: string, snake: string, path: string): bigint {
  return uint64(field(o, camel, snake), `${path}.${camel}`);
}

function root(text: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  return object(parsed, 'request');
}


/** protobuf field names: OTLP/JSON receivers must accept them beside the lowerCamelCase ones. */
function snakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

function envelopeKeys(signal: Signal): readonly string[] {
  const m = modelOf(signal);
  return [m.entriesField, snakeCase(m.entriesField), m.scopesField, snakeCase(m.scopesField), m.itemsField, snakeCase(m.itemsField)];
}

// The envelopes' JSON keys by signal, in both spellings, worked out once.
const ENVELOPE_KEYS: { readonly [S in Signal]: readonly string[] } = {
  traces: envelopeKeys('traces'),
  metrics: envelopeKeys('metrics'),
  logs: envelopeKeys('logs'),
};

/** The request, Resource*- and Scope*-entries of every signal; `item` decodes one span, metric or log record. */
function decodeRequestJson<S extends Signal>(signal: S, text: string, item: (v: unknown, path: string) => ItemBySignal[S]): RequestBySignal[S] {
  const model = modelOf(signal);
  const [entriesKey, entriesSnake, scopesKey, scopesSnake, itemsKey, itemsSnake] = ENVELOPE_KEYS[signal];
  const list = array(field(root(text), entriesKey, entriesSnake), entriesKey);
  const entries: ResourceEntryBySignal[S][] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = `${entriesKey}[${i}]`;
    const o = object(list[i], p);
    const scopes = array(field(o, scopesKey, scopesSnake), `${p}.${scopesKey}`);
    const scopeEntries: ScopeEntryBySignal[S][] = new Array(scopes.length);
    for (let j = 0; j < scopes.length; j++) {
      const sp = `${p}.${scopesKey}[${j}]`;
      const so = object(scopes[j], sp);
      const values = array(field(so, itemsKey, itemsSnake), `${sp}.${itemsKey}`);
      const items: ItemBySignal[S][] = new Array(values.length);
      for (let k = 0; k < values.length; k++) items[k] = item(values[k], `${sp}.${itemsKey}[${k}]`);
      scopeEntries[j] = model.scoped(scope(so.scope ?? undefined, `${sp}.scope`), items, schemaUrl(so, sp));
    }
    entries[i] = model.entry(resource(o.resource ?? undefined, `${p}.resource`), scopeEntries, schemaUrl(o, p));
  }
  return model.request(entries);
}

// ---- traces ----

export function decodeTracesJson(text: string): ExportTraceServiceRequest {
  return decodeRequestJson('traces', text, span);
}

function span(v: unknown, path: string): Span {
  const o = object(v, path);
  const eventList = array(o.events ?? undefined, `${path}.events`);
  const events: SpanEvent[] = new Array(eventList.length);
  for (let i = 0; i < eventList.length; i++) {
    const p = `${path}.events[${i}]`;
    const e = object(eventList[i], p);
    events[i] = {
      timeUnixNano: time(e, 'timeUnixNano', 'time_unix_nano', p),
      name: string(e.name ?? undefined, `${p}.name`),
      attributes: attributes(e, p),
      droppedAttributesCount: dropped(e, p),
    };
  }
  const linkList = array(o.links ?? undefined, `${path}.links`);
  const links: SpanLink[] = new Array(linkList.length);
  for (let i = 0; i < linkList.length; i++) {
    const p = `${path}.links[${i}]`;
    const l = object(linkList[i], p);
    links[i] = {
      traceId: hexId(field(l, 'traceId', 'trace_id'), `${p}.traceId`, 16),
      spanId: hexId(field(l, 'spanId', 'span_id'), `${p}.spanId`, 8),
      traceState: string(field(l, 'traceState', 'trace_state'), `${p}.traceState`),
      attributes: attributes(l, p),
      droppedAttributesCount: dropped(l, p),
      flags: uint32(l.flags ?? undefined, `${p}.flags`),
    };
  }
  const st = optionalObject(o.status ?? undefined, `${path}.status`);
  return {
    traceId: hexId(field(o, 'traceId', 'trace_id'), `${path}.traceId`, 16),
    spanId: hexId(field(o, 'spanId', 'span_id'), `${path}.spanId`, 8),
    traceState: string(field(o, 'traceState', 'trace_state'), `${path}.traceState`),
    parentSpanId: hexId(field(o, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`, 8),
    flags: uint32(o.flags ?? undefined, `${path}.flags`),
    name: string(o.name ?? undefined, `${path}.name`),
    kind: enumValue(o.kind ?? undefined, `${path}.kind`, SPAN_KIND_NAMES),
    startTimeUnixNano: time(o, 'startTimeUnixNano', 'start_time_unix_nano', path),
    endTimeUnixNano: time(o, 'endTimeUnixNano', 'end_time_unix_nano', path),
    attributes: attributes(o, path),
    droppedAttributesCount: dropped(o, path),
    events,
    droppedEventsCount: uint32(field(o, 'droppedEventsCount', 'dropped_events_count'), `${path}.droppedEventsCount`),
    links,
    droppedLinksCount: uint32(field(o, 'droppedLinksCount', 'dropped_links_count'), `${path}.droppedLinksCount`),
    status:
      st === undefined
        ? undefined
        : {
            message: string(st.message ?? undefined, `${path}.status.message`),
            code: enumValue(st.code ?? undefined, `${path}.status.code`, STATUS_CODE_NAMES),
          },
  };
}

// ---- metrics ----

export function decodeMetricsJson(text: string): ExportMetricsServiceRequest {
  return decodeRequestJson('metrics', text, metric);
}

function temporality(o: Json, path: string): number {
  return enumValue(
    field(o, 'aggregationTemporality', 'aggregation_temporality'),
    `${path}.aggregationTemporality`,
    TEMPORALITY_NAMES,
  );
}

function points<T>(o: Json, path: string, decode: (v: unknown, path: string) => T): T[] {
  const list = array(field(o, 'dataPoints', 'data_points'), `${path}.dataPoints`);
  const out: T[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = decode(list[i], `${path}.dataPoints[${i}]`);
  return out;
}

function metric(v: unknown, path: string): Metric {
  const o = object(v, path);
  const g = optionalObject(o.gauge ?? undefined, `${path}.gauge`);
  const s = optionalObject(o.sum ?? undefined, `${path}.sum`);
  const h = optionalObject(o.histogram ?? undefined, `${path}.histogram`);
  const e = optionalObject(field(o, 'exponentialHistogram', 'exponential_histogram'), `${path}.exponentialHistogram`);
  const q = optionalObject(o.summary ?? undefined, `${path}.summary`);
  return {
    name: string(o.name ?? undefined, `${path}.name`),
    description: string(o.description ?? undefined, `${path}.description`),
    unit: string(o.unit ?? undefined, `${path}.unit`),
    gauge: g === undefined ? undefined : { dataPoints: points(g, `${path}.gauge`, numberPoint) },
    sum:
      s === undefined
        ? undefined
        : {
            dataPoints: points(s, `${path}.sum`, numberPoint),
            aggregationTemporality: temporality(s, `${path}.sum`),
            isMonotonic: bool(field(s, 'isMonotonic', 'is_monotonic'), `${path}.sum.isMonotonic`),
          },
    histogram:
      h === undefined
        ? undefined
        : { dataPoints: points(h, `${path}.histogram`, histogramPoint), aggregationTemporality: temporality(h, `${path}.histogram`) },
    exponentialHistogram:
      e === undefined
        ? undefined
        : {
            dataPoints: points(e, `${path}.exponentialHistogram`, exponentialPoint),
            aggregationTemporality: temporality(e, `${path}.exponentialHistogram`),
          },
    summary: q === undefined ? undefined : { dataPoints: points(q, `${path}.summary`, summaryPoint) },
    metadata: keyValues(o.metadata ?? undefined, `${path}.metadata`, 0),
  };
}

function exemplars(o: Json, path: string): Exemplar[] {
  const list = array(o.exemplars ?? undefined, `${path}.exemplars`);
  const out: Exemplar[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = `${path}.exemplars[${i}]`;
    const e = object(list[i], p);
    const asDouble = optionalDouble(field(e, 'asDouble', 'as_double'), `${p}.asDouble`);
    const asIntRaw = field(e, 'asInt', 'as_int');
    out[i] = {
      filteredAttributes: keyValues(field(e, 'filteredAttributes', 'filtered_attributes'), `${p}.filteredAttributes`, 0),
      timeUnixNano: time(e, 'timeUnixNano', 'time_unix_nano', p),
      asDouble,
      asInt: asDouble === undefined && asIntRaw !== undefined ? int64(asIntRaw, `${p}.asInt`) : undefined,
      spanId: hexId(field(e, 'spanId', 'span_id'), `${p}.spanId`, 8),
      traceId: hexId(field(e, 'traceId', 'trace_id'), `${p}.traceId`, 16),
    };
  }
  return out;
}

function numberPoint(v: unknown, path: string): NumberDataPoint {
  const o = object(v, path);
  const asDouble = optionalDouble(field(o, 'asDouble', 'as_double'), `${path}.asDouble`);
  const asIntRaw = field(o, 'asInt', 'as_int');
  return {
    attributes: attributes(o, path),
    startTimeUnixNano: time(o, 'startTimeUnixNano', 'start_time_unix_nano', path),
    timeUnixNano: time(o, 'timeUnixNano', 'time_unix_nano', path),
    asDouble,
    asInt: asDouble === undefined && asIntRaw !== undefined ? int64(asIntRaw, `${path}.asInt`) : undefined,
    exemplars: exemplars(o, path),
    flags: uint32(o.flags ?? undefined, `${path}.flags`),
  };
}

function uint64List(v: unknown, path: string): bigint[] {
  const list = array(v, path);
  const out: bigint[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = uint64(list[i], `${path}[${i}]`);
  return out;
}

function histogramPoint(v: unknown, path: string): HistogramDataPoint {
  const o = object(v, path);
  const bounds = array(field(o, 'explicitBounds', 'explicit_bounds'), `${path}.explicitBounds`);
  const explicitBounds: number[] = new Array(bounds.length);
  for (let i = 0; i < bounds.length; i++) explicitBounds[i] = double(bounds[i], `${path}.explicitBounds[${i}]`);
  return {
    attributes: attributes(o, path),
    startTimeUnixNano: time(o, 'startTimeUnixNano', 'start_time_unix_nano', path),
    timeUnixNano: time(o, 'timeUnixNano', 'time_unix_nano', path),
    count: uint64(o.count ?? undefined, `${path}.count`),
    sum: optionalDouble(o.sum ?? undefined, `${path}.sum`),
    bucketCounts: uint64List(field(o, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`),
    explicitBounds,
    exemplars: exemplars(o, path),
    flags: uint32(o.flags ?? undefined, `${path}.flags`),
    min: optionalDouble(o.min ?? undefined, `${path}.min`),
    max: optionalDouble(o.max ?? undefined, `${path}.max`),
  };
}

function buckets(v: unknown, path: string): ExponentialHistogramBuckets | undefined {
  const o = optionalObject(v, path);
  if (o === undefined) return undefined;
  return {
    offset: int32(o.offset ?? undefined, `${path}.offset`),
    bucketCounts: uint64List(field(o, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`),
  };
}

function exponentialPoint(v: unknown, path: string): ExponentialHistogramDataPoint {
  const o = object(v, path);
  return {
    attributes: attributes(o, path),
    startTimeUnixNano: time(o, 'startTimeUnixNano', 'start_time_unix_nano', path),
    timeUnixNano: time(o, 'timeUnixNano', 'time_unix_nano', path),
    count: uint64(o.count ?? undefined, `${path}.count`),
    sum: optionalDouble(o.sum ?? undefined, `${path}.sum`),
    scale: int32(o.scale ?? undefined, `${path}.scale`),
    zeroCount: uint64(field(o, 'zeroCount', 'zero_count'), `${path}.zeroCount`),
    positive: buckets(o.positive ?? undefined, `${path}.positive`),
    negative: buckets(o.negative ?? undefined, `${path}.negative`),
    flags: uint32(o.flags ?? undefined, `${path}.flags`),
    exemplars: exemplars(o, path),
    min: optionalDouble(o.min ?? undefined, `${path}.min`),
    max: optionalDouble(o.max ?? undefined, `${path}.max`),
    zeroThreshold: double(field(o, 'zeroThreshold', 'zero_threshold'), `${path}.zeroThreshold`),
  };
}

function summaryPoint(v: unknown, path: string): SummaryDataPoint {
  const o = object(v, path);
  const qs = array(field(o, 'quantileValues', 'quantile_values'), `${path}.quantileValues`);
  const quantileValues = new Array<{ quantile: number; value: number }>(qs.length);
  for (let i = 0; i < qs.length; i++) {
    const p = `${path}.quantileValues[${i}]`;
    const q = object(qs[i], p);
    quantileValues[i] = { quantile: double(q.quantile ?? undefined, `${p}.quantile`), value: double(q.value ?? undefined, `${p}.value`) };
  }
  return {
    attributes: attributes(o, path),
    startTimeUnixNano: time(o, 'startTimeUnixNano', 'start_time_unix_nano', path),
    timeUnixNano: time(o, 'timeUnixNano', 'time_unix_nano', path),
    count: uint64(o.count ?? undefined, `${path}.count`),
    sum: double(o.sum ?? undefined, `${path}.sum`),
    quantileValues,
    flags: uint32(o.flags ?? undefined, `${path}.flags`),
  };
}

// ---- logs ----

export function decodeLogsJson(text: string): ExportLogsServiceRequest {
  return decodeRequestJson('logs', text, logRecord);
}

function logRecord(v: unknown, path: string): LogRecord {
  const o = object(v, path);
  const body = o.body ?? undefined;
  return {
    timeUnixNano: time(o, 'timeUnixNano', 'time_unix_nano', path),
    observedTimeUnixNano: time(o, 'observedTimeUnixNano', 'observed_time_unix_nano', path),
    severityNumber: enumValue(field(o, 'severityNumber', 'severity_number'), `${path}.severityNumber`, SEVERITY_NAMES),
    severityText: string(field(o, 'severityText', 'severity_text'), `${path}.severityText`),
    body: body === undefined ? undefined : anyValue(body, `${path}.body`, 0),
    attributes: attributes(o, path),
    droppedAttributesCount: dropped(o, path),
    flags: uint32(o.flags ?? undefined, `${path}.flags`),
    traceId: hexId(field(o, 'traceId', 'trace_id'), `${path}.traceId`, 16),
    spanId: hexId(field(o, 'spanId', 'span_id'), `${path}.spanId`, 8),
    eventName: string(field(o, 'eventName', 'event_name'), `${path}.eventName`),
  };
}
