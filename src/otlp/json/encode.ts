// The decoded data model → OTLP/JSON: lowerCamelCase keys, hex ids, base64 bytes, 64-bit
// integers as decimal strings, enums as integers. Fields at their proto3 default are left out
// (decoders restore them); present-or-absent fields (resource, scope, status, body, histogram
// sum/min/max, oneof members) are written exactly when present.
import type {
  AnyValue,
  Exemplar,
  ExponentialHistogramBuckets,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  ItemBySignal,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  RequestBySignal,
  Resource,
  Signal,
  Span,
} from '../types.ts';
import { modelOf } from '../model.ts';
import { jsonDouble, toBase64, toHex, type Json } from './scalars.ts';

function anyValue(v: AnyValue): Json {
  if (v.stringValue !== undefined) return { stringValue: v.stringValue };
  if (v.boolValue !== undefined) return { boolValue: v.boolValue };
  if (v.intValue !== undefined) return { intValue: v.intValue.toString() };
  if (v.doubleValue !== undefined) return { doubleValue: jsonDouble(v.doubleValue) };
  if (v.arrayValue !== undefined) {
    const values = v.arrayValue.values;
    const out: Json[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i]);
    return { arrayValue: { values: out } };
  }
  if (v.kvlistValue !== undefined) return { kvlistValue: { values: keyValues(v.kvlistValue.values) } };
  if (v.bytesValue !== undefined) return { bytesValue: toBase64(v.bytesValue) };
  return {};
}

function keyValues(list: KeyValue[]): Json[] {
  const out: Json[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    out[i] = { key: kv.key, value: kv.value === undefined ? {} : anyValue(kv.value) };
  }
  return out;
}

/** Adds attributes and droppedAttributesCount when not default. */
function putAttributes(o: Json, attributes: KeyValue[], dropped: number): void {
  if (attributes.length !== 0) o.attributes = keyValues(attributes);
  if (dropped !== 0) o.droppedAttributesCount = dropped;
}

function resource(r: Resource): Json {
  const o: Json = {};
  putAttributes(o, r.attributes, r.droppedAttributesCount);
  if (r.entityRefs !== undefined && r.entityRefs.length !== 0) {
    o.entityRefs = r.entityRefs.map((e) => {
      const j: Json = {};
      if (e.schemaUrl !== '') j.schemaUrl = e.schemaUrl;
      if (e.type !== '') j.type = e.type;
      if (e.idKeys.length !== 0) j.idKeys = e.idKeys;
      if (e.descriptionKeys.length !== 0) j.descriptionKeys = e.descriptionKeys;
      return j;
    });
  }
  return o;
}

function scope(s: InstrumentationScope): Json {
  const o: Json = {};
  if (s.name !== '') o.name = s.name;
  if (s.version !== '') o.version = s.version;
  putAttributes(o, s.attributes, s.droppedAttributesCount);
  return o;
}

/** The request, Resource*- and Scope*-entries of every signal; `item` encodes one span, metric or log record. */
function encodeRequestJson<S extends Signal>(signal: S, req: RequestBySignal[S], item: (value: ItemBySignal[S]) => Json): string {
  const model = modelOf(signal);
  const entries = model.entries(req);
  const out: Json[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const o: Json = {};
    if (entry.resource !== undefined) o.resource = resource(entry.resource);
    if (entry.schemaUrl !== '') o.schemaUrl = entry.schemaUrl;
    const scopes = model.scopes(entry);
    const scopesOut: Json[] = new Array(scopes.length);
    for (let j = 0; j < scopes.length; j++) {
      const scoped = scopes[j];
      const so: Json = {};
      if (scoped.scope !== undefined) so.scope = scope(scoped.scope);
      if (scoped.schemaUrl !== '') so.schemaUrl = scoped.schemaUrl;
      const items = model.items(scoped);
      const itemsOut: Json[] = new Array(items.length);
      for (let k = 0; k < items.length; k++) itemsOut[k] = item(items[k]);
      so[model.itemsField] = itemsOut;
      scopesOut[j] = so;
    }
    o[model.scopesField] = scopesOut;
    out[i] = o;
  }
  return stringify({ [model.entriesField]: out });
}

// JSON.stringify cannot serialise bigint; every bigint is converted above, so this only guards.
function stringify(value: Json): string {
  return JSON.stringify(value);
}

// ---- traces ----

export function encodeTracesJson(req: ExportTraceServiceRequest): string {
  return encodeRequestJson('traces', req, span);
}

function span(s: Span): Json {
  const o: Json = {};
  if (s.traceId.length !== 0) o.traceId = toHex(s.traceId);
  if (s.spanId.length !== 0) o.spanId = toHex(s.spanId);
  if (s.traceState !== '') o.traceState = s.traceState;
  if (s.parentSpanId.length !== 0) o.parentSpanId = toHex(s.parentSpanId);
  if (s.flags !== 0) o.flags = s.flags;
  o.name = s.name;
  if (s.kind !== 0) o.kind = s.kind;
  o.startTimeUnixNano = s.startTimeUnixNano.toString();
  o.endTimeUnixNano = s.endTimeUnixNano.toString();
  putAttributes(o, s.attributes, s.droppedAttributesCount);
  if (s.events.length !== 0) {
    const events: Json[] = new Array(s.events.length);
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i];
      const eo: Json = { timeUnixNano: e.timeUnixNano.toString(), name: e.name };
      putAttributes(eo, e.attributes, e.droppedAttributesCount);
      events[i] = eo;
    }
    o.events = events;
  }
  if (s.droppedEventsCount !== 0) o.droppedEventsCount = s.droppedEventsCount;
  if (s.links.length !== 0) {
    const links: Json[] = new Array(s.links.length);
    for (let i = 0; i < s.links.length; i++) {
      const l = s.links[i];
      const lo: Json = {};
      if (l.traceId.length !== 0) lo.traceId = toHex(l.traceId);
      if (l.spanId.length !== 0) lo.spanId = toHex(l.spanId);
      if (l.traceState !== '') lo.traceState = l.traceState;
      putAttributes(lo, l.attributes, l.droppedAttributesCount);
      if (l.flags !== 0) lo.flags = l.flags;
      links[i] = lo;
    }
    o.links = links;
  }
  if (s.droppedLinksCount !== 0) o.droppedLinksCount = s.droppedLinksCount;
  if (s.status !== undefined) {
    const st: Json = {};
    if (s.status.message !== '') st.message = s.status.message;
    if (s.status.code !== 0) st.code = s.status.code;
    o.status = st;
  }
  return o;
}

// ---- metrics ----

export function encodeMetricsJson(req: ExportMetricsServiceRequest): string {
  return encodeRequestJson('metrics', req, metric);
}

function times(o: Json, start: bigint, time: bigint): void {
  if (start !== 0n) o.startTimeUnixNano = start.toString();
  if (time !== 0n) o.timeUnixNano = time.toString();
}

function exemplars(o: Json, list: Exemplar[]): void {
  if (list.length === 0) return;
  o.exemplars = list.map((e) => {
    const j: Json = {};
    if (e.filteredAttributes.length !== 0) j.filteredAttributes = keyValues(e.filteredAttributes);
    if (e.timeUnixNano !== 0n) j.timeUnixNano = e.timeUnixNano.toString();
    if (e.asDouble !== undefined) j.asDouble = jsonDouble(e.asDouble);
    else if (e.asInt !== undefined) j.asInt = e.asInt.toString();
    if (e.spanId.length !== 0) j.spanId = toHex(e.spanId);
    if (e.traceId.length !== 0) j.traceId = toHex(e.traceId);
    return j;
  });
}

function numberPoint(p: NumberDataPoint): Json {
  const o: Json = {};
  if (p.attributes.length !== 0) o.attributes = keyValues(p.attributes);
  times(o, p.startTimeUnixNano, p.timeUnixNano);
  if (p.asDouble !== undefined) o.asDouble = jsonDouble(p.asDouble);
  else if (p.asInt !== undefined) o.asInt = p.asInt.toString();
  exemplars(o, p.exemplars);
  if (p.flags !== 0) o.flags = p.flags;
  return o;
}

function counts(list: bigint[]): string[] {
  const out: string[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i].toString();
  return out;
}

function buckets(b: ExponentialHistogramBuckets): Json {
  const o: Json = {};
  if (b.offset !== 0) o.offset = b.offset;
  if (b.bucketCounts.length !== 0) o.bucketCounts = counts(b.bucketCounts);
  return o;
}

function putTemporality(o: Json, t: number): void {
  if (t !== 0) o.aggregationTemporality = t;
}

function metric(m: Metric): Json {
  const o: Json = { name: m.name };
  if (m.description !== '') o.description = m.description;
  if (m.unit !== '') o.unit = m.unit;
  if (m.gauge !== undefined) o.gauge = { dataPoints: m.gauge.dataPoints.map(numberPoint) };
  else if (m.sum !== undefined) {
    const s: Json = { dataPoints: m.sum.dataPoints.map(numberPoint) };
    putTemporality(s, m.sum.aggregationTemporality);
    if (m.sum.isMonotonic) s.isMonotonic = true;
    o.sum = s;
  } else if (m.histogram !== undefined) {
    const h: Json = {
      dataPoints: m.histogram.dataPoints.map((p) => {
        const j: Json = {};
        if (p.attributes.length !== 0) j.attributes = keyValues(p.attributes);
        times(j, p.startTimeUnixNano, p.timeUnixNano);
        j.count = p.count.toString();
        if (p.sum !== undefined) j.sum = jsonDouble(p.sum);
        if (p.bucketCounts.length !== 0) j.bucketCounts = counts(p.bucketCounts);
        if (p.explicitBounds.length !== 0) j.explicitBounds = p.explicitBounds.map(jsonDouble);
        exemplars(j, p.exemplars);
        if (p.flags !== 0) j.flags = p.flags;
        if (p.min !== undefined) j.min = jsonDouble(p.min);
        if (p.max !== undefined) j.max = jsonDouble(p.max);
        return j;
      }),
    };
    putTemporality(h, m.histogram.aggregationTemporality);
    o.histogram = h;
  } else if (m.exponentialHistogram !== undefined) {
    const h: Json = {
      dataPoints: m.exponentialHistogram.dataPoints.map((p) => {
        const j: Json = {};
        if (p.attributes.length !== 0) j.attributes = keyValues(p.attributes);
        times(j, p.startTimeUnixNano, p.timeUnixNano);
        j.count = p.count.toString();
        if (p.sum !== undefined) j.sum = jsonDouble(p.sum);
        if (p.scale !== 0) j.scale = p.scale;
        if (p.zeroCount !== 0n) j.zeroCount = p.zeroCount.toString();
        if (p.positive !== undefined) j.positive = buckets(p.positive);
        if (p.negative !== undefined) j.negative = buckets(p.negative);
        if (p.flags !== 0) j.flags = p.flags;
        exemplars(j, p.exemplars);
        if (p.min !== undefined) j.min = jsonDouble(p.min);
        if (p.max !== undefined) j.max = jsonDouble(p.max);
        if (p.zeroThreshold !== 0) j.zeroThreshold = jsonDouble(p.zeroThreshold);
        return j;
      }),
    };
    putTemporality(h, m.exponentialHistogram.aggregationTemporality);
    o.exponentialHistogram = h;
  } else if (m.summary !== undefined) {
    o.summary = {
      dataPoints: m.summary.dataPoints.map((p) => {
        const j: Json = {};
        if (p.attributes.length !== 0) j.attributes = keyValues(p.attributes);
        times(j, p.startTimeUnixNano, p.timeUnixNano);
        j.count = p.count.toString();
        if (p.sum !== 0) j.sum = jsonDouble(p.sum);
        if (p.quantileValues.length !== 0) {
          j.quantileValues = p.quantileValues.map((q) => ({ quantile: jsonDouble(q.quantile), value: jsonDouble(q.value) }));
        }
        if (p.flags !== 0) j.flags = p.flags;
        return j;
      }),
    };
  }
  if (m.metadata !== undefined && m.metadata.length !== 0) o.metadata = keyValues(m.metadata);
  return o;
}

// ---- logs ----

export function encodeLogsJson(req: ExportLogsServiceRequest): string {
  return encodeRequestJson('logs', req, logRecord);
}

function logRecord(l: LogRecord): Json {
  const o: Json = {};
  if (l.timeUnixNano !== 0n) o.timeUnixNano = l.timeUnixNano.toString();
  if (l.observedTimeUnixNano !== 0n) o.observedTimeUnixNano = l.observedTimeUnixNano.toString();
  if (l.severityNumber !== 0) o.severityNumber = l.severityNumber;
  if (l.severityText !== '') o.severityText = l.severityText;
  if (l.body !== undefined) o.body = anyValue(l.body);
  putAttributes(o, l.attributes, l.droppedAttributesCount);
  if (l.flags !== 0) o.flags = l.flags;
  if (l.traceId.length !== 0) o.traceId = toHex(l.traceId);
  if (l.spanId.length !== 0) o.spanId = toHex(l.spanId);
  if (l.eventName !== '') o.eventName = l.eventName;
  return o;
}
