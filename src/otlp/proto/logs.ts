// Protobuf codec for opentelemetry/proto/logs/v1 and collector/logs/v1.
// ResourceLogs{resource 1, scope_logs 2, schema_url 3}; ScopeLogs{scope 1, log_records 2,
// schema_url 3}; LogRecord{time fixed64 1, severity_number 2, severity_text 3, (4 reserved),
// body 5, attributes 6, dropped_attributes_count 7, flags fixed32 8, trace_id 9, span_id 10,
// observed_time fixed64 11, event_name 12}.
import type { AnyValue, ExportLogsServiceRequest, KeyValue, LogRecord, ResourceLogs, ScopeLogs } from '../types.ts';
import {
  anyValueSize,
  attributesSize,
  decodeAnyValue,
  decodeResource,
  decodeScope,
  pushKeyValue,
  resourceSize,
  scopeSize,
  writeAnyValue,
  writeAttributes,
  writeResource,
  writeScope,
} from './common.ts';
import { checkId, EMPTY_BYTES, fieldMask, ProtoReader } from './reader.ts';
import { int32Size, lenField, ProtoWriter, varintSize } from './writer.ts';

const REQUEST_FIELDS = fieldMask(1);
const RESOURCE_LOGS_FIELDS = fieldMask(1, 2, 3);
const SCOPE_LOGS_FIELDS = fieldMask(1, 2, 3);
const LOG_FIELDS = fieldMask(1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12);

// ---- decode ----

interface RecordCounter {
  records: number;
}

export function decodeLogsRequest(r: ProtoReader, end: number): ExportLogsServiceRequest {
  const resourceLogs: ResourceLogs[] = [];
  const counter: RecordCounter = { records: 0 };
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) resourceLogs.push(decodeResourceLogs(r, r.sub(end), counter));
    else r.unknown(t, end, REQUEST_FIELDS, 'ExportLogsServiceRequest');
  }
  return { resourceLogs };
}

function decodeResourceLogs(r: ProtoReader, end: number, counter: RecordCounter): ResourceLogs {
  let resource: ResourceLogs['resource'];
  const scopeLogs: ScopeLogs[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) resource = decodeResource(r, r.sub(end));
    else if (t === 18) scopeLogs.push(decodeScopeLogs(r, r.sub(end), counter));
    else if (t === 26) schemaUrl = r.string(end);
    else r.unknown(t, end, RESOURCE_LOGS_FIELDS, 'ResourceLogs');
  }
  return { resource, scopeLogs, schemaUrl };
}

function decodeScopeLogs(r: ProtoReader, end: number, counter: RecordCounter): ScopeLogs {
  let scope: ScopeLogs['scope'];
  const logRecords: LogRecord[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) scope = decodeScope(r, r.sub(end));
    else if (t === 18) logRecords.push(decodeLogRecord(r, r.sub(end), counter.records++));
    else if (t === 26) schemaUrl = r.string(end);
    else r.unknown(t, end, SCOPE_LOGS_FIELDS, 'ScopeLogs');
  }
  return { scope, logRecords, schemaUrl };
}

function decodeLogRecord(r: ProtoReader, end: number, index: number): LogRecord {
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
      case 9:
        timeUnixNano = r.fixed64(end);
        break;
      case 16:
        severityNumber = r.varint32(end) | 0;
        break;
      case 26:
        severityText = r.string(end);
        break;
      case 42:
        body = decodeAnyValue(r, r.sub(end), 0);
        break;
      case 50:
        pushKeyValue(r, end, attributes);
        break;
      case 56:
        droppedAttributesCount = r.varint32(end);
        break;
      case 69:
        flags = r.fixed32(end);
        break;
      case 74:
        traceId = r.bytes(end);
        break;
      case 82:
        spanId = r.bytes(end);
        break;
      case 89:
        observedTimeUnixNano = r.fixed64(end);
        break;
      case 98:
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

export function logsRequestSize(w: ProtoWriter, req: ExportLogsServiceRequest): number {
  const list = req.resourceLogs;
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = resourceLogsSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n;
}

function resourceLogsSize(w: ProtoWriter, rl: ResourceLogs): number {
  let n = 0;
  if (rl.resource !== undefined) {
    const slot = w.reserve();
    const b = resourceSize(w, rl.resource);
    w.setSize(slot, b);
    n += lenField(b);
  }
  const list = rl.scopeLogs;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = scopeLogsSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (rl.schemaUrl !== '') n += 1 + w.stringSize(rl.schemaUrl);
  return n;
}

function scopeLogsSize(w: ProtoWriter, sl: ScopeLogs): number {
  let n = 0;
  if (sl.scope !== undefined) {
    const slot = w.reserve();
    const b = scopeSize(w, sl.scope);
    w.setSize(slot, b);
    n += lenField(b);
  }
  const list = sl.logRecords;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = logRecordSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (sl.schemaUrl !== '') n += 1 + w.stringSize(sl.schemaUrl);
  return n;
}

function logRecordSize(w: ProtoWriter, l: LogRecord): number {
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

export function writeLogsRequest(w: ProtoWriter, req: ExportLogsServiceRequest): void {
  const list = req.resourceLogs;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(10);
    writeResourceLogs(w, list[i]);
  }
}

function writeResourceLogs(w: ProtoWriter, rl: ResourceLogs): void {
  if (rl.resource !== undefined) {
    w.messageHeader(10);
    writeResource(w, rl.resource);
  }
  const list = rl.scopeLogs;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(18);
    writeScopeLogs(w, list[i]);
  }
  if (rl.schemaUrl !== '') {
    w.byte(26);
    w.string(rl.schemaUrl);
  }
}

function writeScopeLogs(w: ProtoWriter, sl: ScopeLogs): void {
  if (sl.scope !== undefined) {
    w.messageHeader(10);
    writeScope(w, sl.scope);
  }
  const list = sl.logRecords;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(18);
    writeLogRecord(w, list[i]);
  }
  if (sl.schemaUrl !== '') {
    w.byte(26);
    w.string(sl.schemaUrl);
  }
}

function writeLogRecord(w: ProtoWriter, l: LogRecord): void {
  w.byte(9);
  w.fixed64(l.timeUnixNano);
  if (l.severityNumber !== 0) {
    w.byte(16);
    w.int32(l.severityNumber);
  }
  if (l.severityText !== '') {
    w.byte(26);
    w.string(l.severityText);
  }
  if (l.body !== undefined) {
    w.messageHeader(42);
    writeAnyValue(w, l.body);
  }
  writeAttributes(w, 50, l.attributes);
  w.byte(56);
  w.varint(l.droppedAttributesCount);
  if (l.flags !== 0) {
    w.byte(69);
    w.fixed32(l.flags);
  }
  if (l.traceId.length !== 0) {
    w.byte(74);
    w.bytes(l.traceId);
  }
  if (l.spanId.length !== 0) {
    w.byte(82);
    w.bytes(l.spanId);
  }
  w.byte(89);
  w.fixed64(l.observedTimeUnixNano);
  if (l.eventName !== '') {
    w.byte(98);
    w.string(l.eventName);
  }
}
