// Protobuf codec for opentelemetry/proto/logs/v1 and collector/logs/v1: the LogRecord. The
// request, ResourceLogs and ScopeLogs envelopes are envelope.ts's; field numbers and tags come
// from the schema table (schema.ts).
import type { AnyValue, KeyValue, LogRecord } from '../types.ts';
import { anyValueSize, attributesSize, decodeAnyValue, pushKeyValue, writeAnyValue, writeAttributes } from './common.ts';
import { checkId, EMPTY_BYTES, ProtoReader } from './reader.ts';
import { knownFields, TAG } from './schema.ts';
import { int32Size, lenField, ProtoWriter, varintSize } from './writer.ts';

const LOG = TAG.LogRecord;
const LOG_FIELDS = knownFields('LogRecord');

// ---- decode ----

export function decodeLogRecord(r: ProtoReader, end: number, index: number): LogRecord {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AnyValue | undefined;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let eventName = '';
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case LOG.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case LOG.severityNumber:
        severityNumber = r.varint32(end) | 0;
        break;
      case LOG.severityText:
        severityText = r.string(end);
        break;
      case LOG.body:
        body = decodeAnyValue(r, r.sub(end), 0);
        break;
      case LOG.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case LOG.droppedAttributesCount:
        droppedAttributesCount = r.varint32(end);
        break;
      case LOG.flags:
        flags = r.fixed32(end);
        break;
      case LOG.traceId:
        traceId = r.bytes(end);
        break;
      case LOG.spanId:
        spanId = r.bytes(end);
        break;
      case LOG.observedTimeUnixNano:
        observedTimeUnixNano = r.fixed64(end);
        break;
      case LOG.eventName:
        eventName = r.string(end);
        break;
      default:
        r.unknown(t, end, LOG_FIELDS, 'LogRecord');
    }
  }
  checkId(r, traceId, 16, 'trace_id', `log record ${index}`);
  checkId(r, spanId, 8, 'span_id', `log record ${index}`);
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
  };
}

// ---- size (pass 1) ----

export function logRecordSize(w: ProtoWriter, l: LogRecord): number {
  let n = 9; // time: always
  if (l.severityNumber !== 0) n += 1 + int32Size(l.severityNumber);
  if (l.severityText !== '') n += 1 + w.stringSize(l.severityText);
  if (l.body !== undefined) {
    const slot = w.reserve();
    const b = anyValueSize(w, l.body, 0);
    w.setSize(slot, b);
    n += lenField(b);
  }
  n += attributesSize(w, l.attributes, 0);
  n += 1 + varintSize(l.droppedAttributesCount); // always
  if (l.flags !== 0) n += 5;
  if (l.traceId.length !== 0) n += lenField(l.traceId.length);
  if (l.spanId.length !== 0) n += lenField(l.spanId.length);
  n += 9; // observed time: always
  if (l.eventName !== '') n += 1 + w.stringSize(l.eventName);
  return n;
}

// ---- write (pass 2) ----

export function writeLogRecord(w: ProtoWriter, l: LogRecord): void {
  w.byte(LOG.timeUnixNano);
  w.fixed64(l.timeUnixNano);
  if (l.severityNumber !== 0) {
    w.byte(LOG.severityNumber);
    w.int32(l.severityNumber);
  }
  if (l.severityText !== '') {
    w.byte(LOG.severityText);
    w.string(l.severityText);
  }
  if (l.body !== undefined) {
    w.messageHeader(LOG.body);
    writeAnyValue(w, l.body);
  }
  writeAttributes(w, LOG.attributes, l.attributes);
  w.byte(LOG.droppedAttributesCount);
  w.varint(l.droppedAttributesCount);
  if (l.flags !== 0) {
    w.byte(LOG.flags);
    w.fixed32(l.flags);
  }
  if (l.traceId.length !== 0) {
    w.byte(LOG.traceId);
    w.bytes(l.traceId);
  }
  if (l.spanId.length !== 0) {
    w.byte(LOG.spanId);
    w.bytes(l.spanId);
  }
  w.byte(LOG.observedTimeUnixNano);
  w.fixed64(l.observedTimeUnixNano);
  if (l.eventName !== '') {
    w.byte(LOG.eventName);
    w.string(l.eventName);
  }
}
