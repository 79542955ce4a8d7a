import {
  anyValueSize, attributesSize, decodeAnyValue, decodeKeyValue, decodeResource, resourceSize, writeAnyValue, writeAttributes, writeResource,
} from '../../otlp/proto/common.ts';
import { decodeLogRecord, logRecordSize, writeLogRecord } from '../../otlp/proto/logs.ts';
import { decodeMetric, metricSize, writeMetric } from '../../otlp/proto/metrics.ts';
import { fastBuffer } from '../../otlp/proto/node-buffer.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import { lenField, ProtoWriter, varintSize, writeVarint } from '../../otlp/proto/writer.ts';
import type { AnyValue, KeyValue, LogRecord, Metric, Resource } from '../../otlp/types.ts';
import type { ChangeProbe } from './change-probe.ts';

// Redaction of an encoded logs or metrics request, record by record.
//
// Every value the object path would look at is tested on its bytes with the ChangeProbe, where it
// lies, and nothing is decoded for a value that stays. What would change is decoded alone,
// redacted by the object path (so both paths share every rule and every count) and sized for the
// writer:
// - in a log record, the body or the attribute concerned; a drop_record anywhere in the record
//   cuts it whole, after every value in it was redacted and counted as the object path counts
//   them. With the summary attribute on, the whole record (its summary names every detector that
//   fired in it);
// - in metrics, the whole Metric, since points whose attributes redaction makes equal are merged;
// - a resource whose attributes would change.
// The length prefixes of the records, scopes and resources around a change are rewritten. The output is allocated once at its size: the input is copied in runs between
// the changes and each changed message is written straight into it (no buffer per record). A
// request with nothing to redact comes back as the same bytes.

// The two requests share their layout's field numbers: request → resource entries (1) →
// resource (1) and scope entries (2) → records (2).
const REQUEST_RESOURCES = TAG.ExportLogsServiceRequest.resourceLogs;
const ENTRY_RESOURCE = TAG.ResourceLogs.resource;
const ENTRY_SCOPES = TAG.ResourceLogs.scopeLogs;
const SCOPE_RECORDS = TAG.ScopeLogs.logRecords;
if (
  REQUEST_RESOURCES !== TAG.ExportMetricsServiceRequest.resourceMetrics || ENTRY_RESOURCE !== TAG.ResourceMetrics.resource ||
  ENTRY_SCOPES !== TAG.ResourceMetrics.scopeMetrics || SCOPE_RECORDS !== TAG.ScopeMetrics.metrics
) throw new Error('record-bytes.ts assumes logs and metrics requests share their field numbers');
const RESOURCE_ATTRIBUTES = TAG.Resource.attributes;
const LOG_BODY = TAG.LogRecord.body;
const LOG_ATTRIBUTES = TAG.LogRecord.attributes;
// Metric data: the container's tag, its points' attribute and exemplar tags (-1: none).
const METRIC_DATA = [TAG.Metric.gauge, TAG.Metric.sum, TAG.Metric.histogram, TAG.Metric.exponentialHistogram, TAG.Metric.summary];
const POINT_ATTRIBUTES = [
  TAG.NumberDataPoint.attributes, TAG.NumberDataPoint.attributes, TAG.HistogramDataPoint.attributes,
  TAG.ExponentialHistogramDataPoint.attributes, TAG.SummaryDataPoint.attributes,
];
const POINT_EXEMPLARS = [TAG.NumberDataPoint.exemplars, TAG.NumberDataPoint.exemplars, TAG.HistogramDataPoint.exemplars, TAG.ExponentialHistogramDataPoint.exemplars, -1];
// Gauge, Sum, Histogram, ExponentialHistogram and Summary all keep their points in field 1.
const DATA_POINTS = TAG.Gauge.dataPoints;
const EXEMPLAR_ATTRIBUTES = TAG.Exemplar.filteredAttributes;

// What a splice writes (after its length prefix, when it has one): nothing, or what the object
// path redacted, encoded again.
const NOTHING = 0;
const RESOURCE = 1;
const LOG_RECORD = 2;
const METRIC = 3;
/** A whole attribute field (tag, length, KeyValue) of a log record, from a list of one. */
const ATTRIBUTE_FIELD = 4;
/** A whole body field (tag, length, AnyValue) of a log record. */
const BODY_FIELD = 5;

type Spliced = Resource | LogRecord | Metric | KeyValue[] | AnyValue;

/** What the byte path needs from the redactor: its object path, one record at a time. */
export interface RecordRedaction {
  readonly probe: ChangeProbe;
  /** Whether log records get a summary attribute (then a changed record is redacted whole). */
  readonly summary: boolean;
  /** Redacts a decoded resource in place. */
  redactResource(resource: Resource): void;
  /** Redacts a decoded log record in place (and adds its summary attribute); true when drop_record removes it. */
  redactLogRecord(record: LogRecord): boolean;
  /** Redacts a decoded metric in place and merges the points that now collide; returns how many were merged away. */
  redactMetric(metric: Metric): number;
  /** A log record's values follow, one by one (redactAttribute, redactBody), until logRecordDropped. */
  startLogRecord(): void;
  /** Redacts one top-level attribute of a log record; null when it is removed. */
  redactAttribute(kv: KeyValue): KeyValue | null;
  /** Redacts a log record's body in place; false when it is removed. */
  redactBody(body: AnyValue): boolean;
  /** Whether drop_record hit a value since startLogRecord. */
  logRecordDropped(): boolean;
}

export class RecordBytesRedactor {
  /** Items the last call removed: log records dropped by drop_record, or data points merged. */
  removedItems: number;
  readonly #redaction: RecordRedaction;
  readonly #probe: ChangeProbe;
  #logs: boolean;
  /** Sizes the changed messages during the walk, then writes them into the output (its own: nothing else may use it in between). */
  readonly #writer: ProtoWriter;
  /**
   * The splices of the current request, in input order (reused from request to request): input
   * [start, end) becomes the varint `length` (none when -1) followed by the message (a kind, and
   * the object in #messages) when the kind is not NOTHING.
   */
  readonly #start: number[];
  readonly #end: number[];
  readonly #length: number[];
  readonly #kind: number[];
  readonly #messages: Array<Spliced | null>;

  constructor(redaction: RecordRedaction) {
    this.removedItems = 0;
    this.#redaction = redaction;
    this.#probe = redaction.probe;
    this.#logs = true;
    this.#writer = new ProtoWriter();
    this.#start = [];
    this.#end = [];
    this.#length = [];
    this.#kind = [];
    this.#messages = [];
  }

  /** The redacted logs request: `bytes` itself when nothing changed. */
  redactLogs(bytes: Uint8Array): Uint8Array {
    this.#logs = true;
    return this.#redact(bytes);
  }

  /** The redacted metrics request: `bytes` itself when nothing changed. */
  redactMetrics(bytes: Uint8Array): Uint8Array {
    this.#logs = false;
    return this.#redact(bytes);
  }

  #redact(bytes: Uint8Array): Uint8Array {
    const r = new ProtoReader(bytes);
    this.removedItems = 0;
    this.#writer.reset();
    try {
      const end = bytes.length;
      let growth = 0;
      while (r.pos < end) {
        const t = r.tag(end);
        if (t !== REQUEST_RESOURCES) {
          r.skip(t, end);
          continue;
        }
        const lengthStart = r.pos;
        const stop = r.sub(end);
        growth += this.#entry(r, lengthStart, stop, true);
        r.pos = stop;
      }
      return this.#start.length === 0 ? bytes : this.#write(bytes, bytes.length + growth);
    } finally {
      // Nothing here keeps the request or its objects alive once it is redacted.
      this.#unsplice(0);
    }
  }

  /**
   * A resource entry (`resourceLevel`) or a scope entry: its length prefix at lengthStart, its
   * body [r.pos, end). Returns how many bytes the entry grows by.
   */
  #entry(r: ProtoReader, lengthStart: number, end: number, resourceLevel: boolean): number {
    const bodyStart = r.pos;
    // The entry's length prefix, kept only if something inside it changes.
    const prefix = this.#splice(lengthStart, bodyStart, 0, NOTHING, null);
    let growth = 0;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const t = r.tag(end);
      if (resourceLevel ? t !== ENTRY_SCOPES && t !== ENTRY_RESOURCE : t !== SCOPE_RECORDS) {
        r.skip(t, end);
        continue;
      }
      const childLengthStart = r.pos;
      const stop = r.sub(end);
      if (!resourceLevel) growth += this.#record(r, fieldStart, childLengthStart, stop);
      else if (t === ENTRY_SCOPES) growth += this.#entry(r, childLengthStart, stop, false);
      else growth += this.#resource(r, childLengthStart, stop);
      r.pos = stop;
    }
    return this.#close(prefix, lengthStart, bodyStart, end, growth);
  }

  /**
   * Closes a message whose length prefix [lengthStart, bodyStart) is splice `prefix` and whose
   * body, up to `end`, grows by `growth`: the prefix is kept only if something inside changed.
   * Returns the message's growth.
   */
  #close(prefix: number, lengthStart: number, bodyStart: number, end: number, growth: number): number {
    if (this.#start.length === prefix + 1) {
      this.#unsplice(prefix);
      return 0;
    }
    const body = end - bodyStart + growth;
    this.#length[prefix] = body;
    return growth + varintSize(body) - (bodyStart - lengthStart);
  }

  #resource(r: ProtoReader, lengthStart: number, end: number): number {
    const bodyStart = r.pos;
    if (!this.#probe.attributes(r, end, RESOURCE_ATTRIBUTES)) return 0;
    r.pos = bodyStart;
    const resource = decodeResource(r, end);
    this.#redaction.redactResource(resource);
    return this.#replace(lengthStart, end, RESOURCE, resource, resourceSize(this.#writer, resource));
  }

  /** One record field: its tag at fieldStart, its length prefix at lengthStart, its body [r.pos, end). */
  #record(r: ProtoReader, fieldStart: number, lengthStart: number, end: number): number {
    const bodyStart = r.pos;
    const redaction = this.#redaction;
    if (this.#logs) {
      if (!redaction.summary) return this.#logValues(r, fieldStart, lengthStart, end);
      if (!this.#logRecordWouldChange(r, end)) return 0;
      r.pos = bodyStart;
      const record = decodeLogRecord(r, end, 0);
      if (redaction.redactLogRecord(record)) {
        this.removedItems++;
        return this.#cut(fieldStart, end);
      }
      return this.#replace(lengthStart, end, LOG_RECORD, record, logRecordSize(this.#writer, record));
    }
    if (!this.#metricWouldChange(r, end)) return 0;
    r.pos = bodyStart;
    const metric = decodeMetric(r, end);
    this.removedItems += redaction.redactMetric(metric);
    return this.#replace(lengthStart, end, METRIC, metric, metricSize(this.#writer, metric));
  }

  /**
   * A log record, value by value: a body or attribute that would change is redacted alone and its
   * field rewritten. (Of several body fields, the decoder keeps the last; each is redacted here.)
   */
  #logValues(r: ProtoReader, fieldStart: number, lengthStart: number, end: number): number {
    const redaction = this.#redaction;
    const probe = this.#probe;
    const w = this.#writer;
    const bodyStart = r.pos;
    const prefix = this.#splice(lengthStart, bodyStart, 0, NOTHING, null);
    const sized = w.count;
    redaction.startLogRecord();
    let growth = 0;
    while (r.pos < end) {
      const valueField = r.pos;
      const t = r.tag(end);
      if (t !== LOG_ATTRIBUTES && t !== LOG_BODY) {
        r.skip(t, end);
        continue;
      }
      const stop = r.sub(end);
      const valueStart = r.pos;
      if (t === LOG_ATTRIBUTES ? probe.keyValue(r, stop, 0) : probe.value(r, stop, '', 1)) {
        r.pos = valueStart;
        growth += t === LOG_ATTRIBUTES ? this.#attribute(r, valueField, stop) : this.#body(r, valueField, stop);
      }
      r.pos = stop;
    }
    if (redaction.logRecordDropped()) {
      // What was sized for this record is not written.
      this.#unsplice(prefix);
      w.count = sized;
      this.removedItems++;
      return this.#cut(fieldStart, end);
    }
    return this.#close(prefix, lengthStart, bodyStart, end, growth);
  }

  /** The attribute field [fieldStart, end), its KeyValue from r.pos: redacted, then cut or rewritten. */
  #attribute(r: ProtoReader, fieldStart: number, end: number): number {
    const kv = this.#redaction.redactAttribute(decodeKeyValue(r, end, 0));
    if (kv === null) return this.#cut(fieldStart, end);
    const list = [kv];
    const size = attributesSize(this.#writer, list, 0);
    this.#splice(fieldStart, end, -1, ATTRIBUTE_FIELD, list);
    return size - (end - fieldStart);
  }

  /** The body field [fieldStart, end), its AnyValue from r.pos: redacted, then cut or rewritten. */
  #body(r: ProtoReader, fieldStart: number, end: number): number {
    const body = decodeAnyValue(r, end, 0);
    if (!this.#redaction.redactBody(body)) return this.#cut(fieldStart, end);
    const w = this.#writer;
    const slot = w.reserve();
    const size = anyValueSize(w, body, 0);
    w.setSize(slot, size);
    this.#splice(fieldStart, end, -1, BODY_FIELD, body);
    return lenField(size) - (end - fieldStart);
  }

  // ---- would-change tests: what the object path redacts in a record ----

  #logRecordWouldChange(r: ProtoReader, end: number): boolean {
    const probe = this.#probe;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === LOG_ATTRIBUTES) {
        if (probe.keyValue(r, r.sub(end), 0)) return true;
      } else if (t === LOG_BODY) {
        // A body is a value with no key, at the depth of an attribute's value.
        if (probe.value(r, r.sub(end), '', 1)) return true;
      } else r.skip(t, end);
    }
    return false;
  }

  /** Point attributes and exemplars' filtered attributes, in whichever data fields the metric has. */
  #metricWouldChange(r: ProtoReader, end: number): boolean {
    while (r.pos < end) {
      const t = r.tag(end);
      const kind = METRIC_DATA.indexOf(t);
      if (kind < 0) {
        r.skip(t, end);
        continue;
      }
      const dataEnd = r.sub(end);
      while (r.pos < dataEnd) {
        const dataTag = r.tag(dataEnd);
        if (dataTag !== DATA_POINTS) {
          r.skip(dataTag, dataEnd);
          continue;
        }
        const pointEnd = r.sub(dataEnd);
        if (this.#pointWouldChange(r, pointEnd, POINT_ATTRIBUTES[kind], POINT_EXEMPLARS[kind])) return true;
        r.pos = pointEnd;
      }
    }
    return false;
  }

  #pointWouldChange(r: ProtoReader, end: number, attributesTag: number, exemplarsTag: number): boolean {
    const probe = this.#probe;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === attributesTag) {
        if (probe.keyValue(r, r.sub(end), 0)) return true;
      } else if (t === exemplarsTag) {
        if (probe.attributes(r, r.sub(end), EXEMPLAR_ATTRIBUTES)) return true;
      } else r.skip(t, end);
    }
    return false;
  }

  // ---- splices ----

  #splice(start: number, end: number, length: number, kind: number, message: Spliced | null): number {
    this.#start.push(start);
    this.#end.push(end);
    this.#length.push(length);
    this.#kind.push(kind);
    return this.#messages.push(message) - 1;
  }

  #unsplice(at: number): void {
    this.#start.length = at;
    this.#end.length = at;
    this.#length.length = at;
    this.#kind.length = at;
    this.#messages.length = at;
  }

  #cut(start: number, end: number): number {
    this.#splice(start, end, -1, NOTHING, null);
    return start - end;
  }

  /**
   * The message whose length prefix starts at lengthStart and which ends at `end` becomes
   * `message`, which the writer has just sized (`size` bytes); returns its growth.
   */
  #replace(lengthStart: number, end: number, kind: number, message: Resource | LogRecord | Metric, size: number): number {
    this.#splice(lengthStart, end, size, kind, message);
    return varintSize(size) + size - (end - lengthStart);
  }

  #write(bytes: Uint8Array, size: number): Uint8Array {
    // Every byte is written below, so the memory need not be zeroed; a plain Uint8Array view, as
    // a decoder's copies of it (ids, bytes values) should be.
    const unzeroed = Buffer.allocUnsafe(size);
    const out = new Uint8Array(unzeroed.buffer, unzeroed.byteOffset, size);
    const src = fastBuffer(bytes);
    const w = this.#writer;
    // The messages are written in the order they were sized: the order of the input.
    w.writeInto(out);
    const starts = this.#start;
    let pos = 0;
    let cursor = 0;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i];
      pos += src.copy(out, pos, cursor, start);
      const length = this.#length[i];
      if (length >= 0) pos = writeVarint(out, pos, length);
      const kind = this.#kind[i];
      if (kind !== NOTHING) {
        w.pos = pos;
        const message = this.#messages[i];
        if (kind === ATTRIBUTE_FIELD) writeAttributes(w, LOG_ATTRIBUTES, message as KeyValue[]);
        else if (kind === BODY_FIELD) {
          w.messageHeader(LOG_BODY);
          writeAnyValue(w, message as AnyValue);
        } else if (kind === LOG_RECORD) writeLogRecord(w, message as LogRecord);
        else if (kind === METRIC) writeMetric(w, message as Metric);
        else writeResource(w, message as Resource);
        pos = w.pos;
      }
      cursor = this.#end[i];
    }
    pos += src.copy(out, pos, cursor, bytes.length);
    w.finish();
    if (pos !== size) throw new Error(`redaction bug: wrote ${pos} bytes, sized ${size}`);
    return out;
  }
}
