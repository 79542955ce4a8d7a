// Protobuf codec for opentelemetry/proto/trace/v1 and collector/trace/v1.
// ExportTraceServiceRequest{resource_spans 1}; ResourceSpans{resource 1, scope_spans 2,
// schema_url 3}; ScopeSpans{scope 1, spans 2, schema_url 3}; Span{trace_id 1, span_id 2,
// trace_state 3, parent_span_id 4, name 5, kind 6, start fixed64 7, end fixed64 8,
// attributes 9, dropped_attributes_count 10, events 11, dropped_events_count 12, links 13,
// dropped_links_count 14, status 15, flags fixed32 16}; Event{time fixed64 1, name 2,
// attributes 3, dropped_attributes_count 4}; Link{trace_id 1, span_id 2, trace_state 3,
// attributes 4, dropped_attributes_count 5, flags fixed32 6}; Status{message 2, code 3}.
import type {
  ExportTraceServiceRequest,
  KeyValue,
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  Status,
} from '../types.ts';
import {
  attributesSize,
  decodeResource,
  decodeScope,
  pushKeyValue,
  resourceSize,
  scopeSize,
  writeAttributes,
  writeResource,
  writeScope,
} from './common.ts';
import { checkId, EMPTY_BYTES, fieldMask, ProtoReader } from './reader.ts';
import { int32Size, lenField, ProtoWriter, varintSize } from './writer.ts';

const REQUEST_FIELDS = fieldMask(1);
const RESOURCE_SPANS_FIELDS = fieldMask(1, 2, 3);
const SCOPE_SPANS_FIELDS = fieldMask(1, 2, 3);
const SPAN_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
const EVENT_FIELDS = fieldMask(1, 2, 3, 4);
const LINK_FIELDS = fieldMask(1, 2, 3, 4, 5, 6);
const STATUS_FIELDS = fieldMask(2, 3);

// Span.flags is field 16 with wire type fixed32: tag 133 is the two-byte varint 0x85 0x01.
const SPAN_FLAGS_TAG = (16 << 3) | 5;

// ---- decode ----

/** Counts spans across a request so errors can name the span ("span 3: ..."). */
export interface SpanCounter {
  spans: number;
}

export function decodeTraceRequest(r: ProtoReader, end: number): ExportTraceServiceRequest {
  const resourceSpans: ResourceSpans[] = [];
  const counter: SpanCounter = { spans: 0 };
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) {
      const stop = r.sub(end);
      resourceSpans.push(decodeResourceSpans(r, stop, counter));
    } else r.unknown(t, end, REQUEST_FIELDS, 'ExportTraceServiceRequest');
  }
  return { resourceSpans };
}

function decodeResourceSpans(r: ProtoReader, end: number, counter: SpanCounter): ResourceSpans {
  let resource: ResourceSpans['resource'];
  const scopeSpans: ScopeSpans[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10: {
        const stop = r.sub(end);
        resource = decodeResource(r, stop);
        break;
      }
      case 18: {
        const stop = r.sub(end);
        scopeSpans.push(decodeScopeSpans(r, stop, counter));
        break;
      }
      case 26:
        schemaUrl = r.string(end);
        break;
      default:
        r.unknown(t, end, RESOURCE_SPANS_FIELDS, 'ResourceSpans');
    }
  }
  return { resource, scopeSpans, schemaUrl };
}

function decodeScopeSpans(r: ProtoReader, end: number, counter: SpanCounter): ScopeSpans {
  let scope: ScopeSpans['scope'];
  const spans: Span[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10: {
        const stop = r.sub(end);
        scope = decodeScope(r, stop);
        break;
      }
      case 18: {
        const stop = r.sub(end);
        spans.push(decodeSpanBody(r, stop, counter.spans++));
        break;
      }
      case 26:
        schemaUrl = r.string(end);
        break;
      default:
        r.unknown(t, end, SCOPE_SPANS_FIELDS, 'ScopeSpans');
    }
  }
  return { scope, spans, schemaUrl };
}

export function decodeSpanBody(r: ProtoReader, end: number, index: number): Span {
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  let parentSpanId = EMPTY_BYTES;
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  let status: Status | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        traceId = r.bytes(end);
        break;
      case 18:
        spanId = r.bytes(end);
        break;
      case 26:
        traceState = r.string(end);
        break;
      case 34:
        parentSpanId = r.bytes(end);
        break;
      case 42:
        name = r.string(end);
        break;
      case 48:
        kind = r.varint32(end) | 0;
        break;
      case 57:
        startTimeUnixNano = r.fixed64(end);
        break;
      case 65:
        endTimeUnixNano = r.fixed64(end);
        break;
      case 74:
        pushKeyValue(r, end, attributes);
        break;
      case 80:
        droppedAttributesCount = r.varint32(end);
        break;
      case 90: {
        const stop = r.sub(end);
        events.push(decodeEvent(r, stop));
        break;
      }
      case 96:
        droppedEventsCount = r.varint32(end);
        break;
      case 106: {
        const stop = r.sub(end);
        links.push(decodeLink(r, stop, index));
        break;
      }
      case 112:
        droppedLinksCount = r.varint32(end);
        break;
      case 122: {
        const stop = r.sub(end);
        status = decodeStatus(r, stop);
        break;
      }
      case SPAN_FLAGS_TAG:
        flags = r.fixed32(end);
        break;
      default:
        r.unknown(t, end, SPAN_FIELDS, 'Span');
    }
  }
  if (traceId.length !== 16 || spanId.length !== 8 || (parentSpanId.length !== 0 && parentSpanId.length !== 8)) {
    const where = `span ${index}`;
    checkId(r, traceId, 16, 'trace_id', where);
    checkId(r, spanId, 8, 'span_id', where);
    checkId(r, parentSpanId, 8, 'parent_span_id', where);
  }
  return {
    traceId,
    spanId,
    traceState,
    parentSpanId,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status,
  };
}

function decodeEvent(r: ProtoReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 9:
        timeUnixNano = r.fixed64(end);
        break;
      case 18:
        name = r.string(end);
        break;
      case 26:
        pushKeyValue(r, end, attributes);
        break;
      case 32:
        droppedAttributesCount = r.varint32(end);
        break;
      default:
        r.unknown(t, end, EVENT_FIELDS, 'Span.Event');
    }
  }
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function decodeLink(r: ProtoReader, end: number, spanIndex: number): SpanLink {
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        traceId = r.bytes(end);
        break;
      case 18:
        spanId = r.bytes(end);
        break;
      case 26:
        traceState = r.string(end);
        break;
      case 34:
        pushKeyValue(r, end, attributes);
        break;
      case 40:
        droppedAttributesCount = r.varint32(end);
        break;
      case 53:
        flags = r.fixed32(end);
        break;
      default:
        r.unknown(t, end, LINK_FIELDS, 'Span.Link');
    }
  }
  checkId(r, traceId, 16, 'link trace_id', `span ${spanIndex}`);
  checkId(r, spanId, 8, 'link span_id', `span ${spanIndex}`);
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function decodeStatus(r: ProtoReader, end: number): Status {
  let message = '';
  let code = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 18) message = r.string(end);
    else if (t === 24) code = r.varint32(end) | 0;
    else r.unknown(t, end, STATUS_FIELDS, 'Status');
  }
  return { message, code };
}

// ---- size (pass 1) ----

export function traceRequestSize(w: ProtoWriter, req: ExportTraceServiceRequest): number {
  const list = req.resourceSpans;
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = resourceSpansSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n;
}

function resourceSpansSize(w: ProtoWriter, rs: ResourceSpans): number {
  let n = 0;
  if (rs.resource !== undefined) {
    const slot = w.reserve();
    const b = resourceSize(w, rs.resource);
    w.setSize(slot, b);
    n += lenField(b);
  }
  const list = rs.scopeSpans;
  for (let i = 0; i < list.length; i++) {
    const slot = w.reserve();
    const b = scopeSpansSize(w, list[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (rs.schemaUrl !== '') n += 1 + w.stringSize(rs.schemaUrl);
  return n;
}

function scopeSpansSize(w: ProtoWriter, ss: ScopeSpans): number {
  let n = 0;
  if (ss.scope !== undefined) {
    const slot = w.reserve();
    const b = scopeSize(w, ss.scope);
    w.setSize(slot, b);
    n += lenField(b);
  }
  const spans = ss.spans;
  for (let i = 0; i < spans.length; i++) {
    const slot = w.reserve();
    const b = spanSize(w, spans[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (ss.schemaUrl !== '') n += 1 + w.stringSize(ss.schemaUrl);
  return n;
}

export function spanSize(w: ProtoWriter, s: Span): number {
  let n = 0;
  if (s.traceId.length !== 0) n += lenField(s.traceId.length);
  if (s.spanId.length !== 0) n += lenField(s.spanId.length);
  if (s.traceState !== '') n += 1 + w.stringSize(s.traceState);
  if (s.parentSpanId.length !== 0) n += lenField(s.parentSpanId.length);
  n += 1 + w.stringSize(s.name); // always
  if (s.kind !== 0) n += 1 + int32Size(s.kind);
  n += 18; // start and end times: always
  n += attributesSize(w, s.attributes, 0);
  n += 1 + varintSize(s.droppedAttributesCount); // always
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    const slot = w.reserve();
    const b = eventSize(w, events[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  n += 1 + varintSize(s.droppedEventsCount); // always
  const links = s.links;
  for (let i = 0; i < links.length; i++) {
    const slot = w.reserve();
    const b = linkSize(w, links[i]);
    w.setSize(slot, b);
    n += lenField(b);
  }
  n += 1 + varintSize(s.droppedLinksCount); // always
  if (s.status !== undefined) {
    const slot = w.reserve();
    let b = 1 + int32Size(s.status.code); // code: always
    if (s.status.message !== '') b += 1 + w.stringSize(s.status.message);
    w.setSize(slot, b);
    n += lenField(b);
  }
  if (s.flags !== 0) n += 6;
  return n;
}

function eventSize(w: ProtoWriter, e: SpanEvent): number {
  let n = 9; // time: always
  n += 1 + w.stringSize(e.name); // always
  n += attributesSize(w, e.attributes, 0);
  n += 1 + varintSize(e.droppedAttributesCount); // always
  return n;
}

function linkSize(w: ProtoWriter, l: SpanLink): number {
  let n = 0;
  if (l.traceId.length !== 0) n += lenField(l.traceId.length);
  if (l.spanId.length !== 0) n += lenField(l.spanId.length);
  if (l.traceState !== '') n += 1 + w.stringSize(l.traceState);
  n += attributesSize(w, l.attributes, 0);
  n += 1 + varintSize(l.droppedAttributesCount); // always
  if (l.flags !== 0) n += 5;
  return n;
}

// ---- write (pass 2) ----

export function writeTraceRequest(w: ProtoWriter, req: ExportTraceServiceRequest): void {
  const list = req.resourceSpans;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(10);
    writeResourceSpans(w, list[i]);
  }
}

function writeResourceSpans(w: ProtoWriter, rs: ResourceSpans): void {
  if (rs.resource !== undefined) {
    w.messageHeader(10);
    writeResource(w, rs.resource);
  }
  const list = rs.scopeSpans;
  for (let i = 0; i < list.length; i++) {
    w.messageHeader(18);
    writeScopeSpans(w, list[i]);
  }
  if (rs.schemaUrl !== '') {
    w.byte(26);
    w.string(rs.schemaUrl);
  }
}

function writeScopeSpans(w: ProtoWriter, ss: ScopeSpans): void {
  if (ss.scope !== undefined) {
    w.messageHeader(10);
    writeScope(w, ss.scope);
  }
  const spans = ss.spans;
  for (let i = 0; i < spans.length; i++) {
    w.messageHeader(18);
    writeSpan(w, spans[i]);
  }
  if (ss.schemaUrl !== '') {
    w.byte(26);
    w.string(ss.schemaUrl);
  }
}

export function writeSpan(w: ProtoWriter, s: Span): void {
  if (s.traceId.length !== 0) {
    w.byte(10);
    w.bytes(s.traceId);
  }
  if (s.spanId.length !== 0) {
    w.byte(18);
    w.bytes(s.spanId);
  }
  if (s.traceState !== '') {
    w.byte(26);
    w.string(s.traceState);
  }
  if (s.parentSpanId.length !== 0) {
    w.byte(34);
    w.bytes(s.parentSpanId);
  }
  w.byte(42);
  w.string(s.name);
  if (s.kind !== 0) {
    w.byte(48);
    w.int32(s.kind);
  }
  w.byte(57);
  w.fixed64(s.startTimeUnixNano);
  w.byte(65);
  w.fixed64(s.endTimeUnixNano);
  writeAttributes(w, 74, s.attributes);
  w.byte(80);
  w.varint(s.droppedAttributesCount);
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    w.messageHeader(90);
    w.byte(9);
    w.fixed64(e.timeUnixNano);
    w.byte(18);
    w.string(e.name);
    writeAttributes(w, 26, e.attributes);
    w.byte(32);
    w.varint(e.droppedAttributesCount);
  }
  w.byte(96);
  w.varint(s.droppedEventsCount);
  const links = s.links;
  for (let i = 0; i < links.length; i++) {
    writeLink(w, links[i]);
  }
  w.byte(112);
  w.varint(s.droppedLinksCount);
  if (s.status !== undefined) {
    w.messageHeader(122);
    if (s.status.message !== '') {
      w.byte(18);
      w.string(s.status.message);
    }
    w.byte(24);
    w.int32(s.status.code);
  }
  if (s.flags !== 0) {
    w.byte(0x85);
    w.byte(0x01);
    w.fixed32(s.flags);
  }
}

function writeLink(w: ProtoWriter, l: SpanLink): void {
  w.messageHeader(106);
  if (l.traceId.length !== 0) {
    w.byte(10);
    w.bytes(l.traceId);
  }
  if (l.spanId.length !== 0) {
    w.byte(18);
    w.bytes(l.spanId);
  }
  if (l.traceState !== '') {
    w.byte(26);
    w.string(l.traceState);
  }
  writeAttributes(w, 34, l.attributes);
  w.byte(40);
  w.varint(l.droppedAttributesCount);
  if (l.flags !== 0) {
    w.byte(53);
    w.fixed32(l.flags);
  }
}
