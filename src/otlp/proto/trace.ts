// Protobuf codec for opentelemetry/proto/trace/v1 and collector/trace/v1: the Span and its
// parts. The request, ResourceSpans and ScopeSpans envelopes are envelope.ts's; field numbers and
// tags come from the schema table (schema.ts).
import type { KeyValue, Span, SpanEvent, SpanLink, Status } from '../types.ts';
import { attributesSize, pushKeyValue, writeAttributes } from './common.ts';
import { checkId, EMPTY_BYTES, ProtoReader } from './reader.ts';
import { knownFields, TAG } from './schema.ts';
import { int32Size, lenField, ProtoWriter, varintSize } from './writer.ts';

const SPAN = TAG.Span;
const EVENT = TAG['Span.Event'];
const LINK = TAG['Span.Link'];
const STATUS = TAG.Status;
const SPAN_FIELDS = knownFields('Span');
const EVENT_FIELDS = knownFields('Span.Event');
const LINK_FIELDS = knownFields('Span.Link');
const STATUS_FIELDS = knownFields('Status');
// Span.flags is field 16: its tag takes two bytes, every other Span tag one.
const SPAN_FLAGS_FIELD_SIZE = varintSize(SPAN.flags) + 4;

// ---- decode ----

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
      case SPAN.traceId:
        traceId = r.bytes(end);
        break;
      case SPAN.spanId:
        spanId = r.bytes(end);
        break;
      case SPAN.traceState:
        traceState = r.string(end);
        break;
      case SPAN.parentSpanId:
        parentSpanId = r.bytes(end);
        break;
      case SPAN.name:
        name = r.string(end);
        break;
      case SPAN.kind:
        kind = r.varint32(end) | 0;
        break;
      case SPAN.startTimeUnixNano:
        startTimeUnixNano = r.fixed64(end);
        break;
      case SPAN.endTimeUnixNano:
        endTimeUnixNano = r.fixed64(end);
        break;
      case SPAN.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case SPAN.droppedAttributesCount:
        droppedAttributesCount = r.varint32(end);
        break;
      case SPAN.events: {
        const stop = r.sub(end);
        events.push(decodeEvent(r, stop));
        break;
      }
      case SPAN.droppedEventsCount:
        droppedEventsCount = r.varint32(end);
        break;
      case SPAN.links: {
        const stop = r.sub(end);
        links.push(decodeLink(r, stop, index));
        break;
      }
      case SPAN.droppedLinksCount:
        droppedLinksCount = r.varint32(end);
        break;
      case SPAN.status: {
        const stop = r.sub(end);
        status = decodeStatus(r, stop);
        break;
      }
      case SPAN.flags:
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
      case EVENT.timeUnixNano:
        timeUnixNano = r.fixed64(end);
        break;
      case EVENT.name:
        name = r.string(end);
        break;
      case EVENT.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case EVENT.droppedAttributesCount:
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
      case LINK.traceId:
        traceId = r.bytes(end);
        break;
      case LINK.spanId:
        spanId = r.bytes(end);
        break;
      case LINK.traceState:
        traceState = r.string(end);
        break;
      case LINK.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case LINK.droppedAttributesCount:
        droppedAttributesCount = r.varint32(end);
        break;
      case LINK.flags:
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
    if (t === STATUS.message) message = r.string(end);
    else if (t === STATUS.code) code = r.varint32(end) | 0;
    else r.unknown(t, end, STATUS_FIELDS, 'Status');
  }
  return { message, code };
}

// ---- size (pass 1) ----

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
  if (s.flags !== 0) n += SPAN_FLAGS_FIELD_SIZE;
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

export function writeSpan(w: ProtoWriter, s: Span): void {
  if (s.traceId.length !== 0) {
    w.byte(SPAN.traceId);
    w.bytes(s.traceId);
  }
  if (s.spanId.length !== 0) {
    w.byte(SPAN.spanId);
    w.bytes(s.spanId);
  }
  if (s.traceState !== '') {
    w.byte(SPAN.traceState);
    w.string(s.traceState);
  }
  if (s.parentSpanId.length !== 0) {
    w.byte(SPAN.parentSpanId);
    w.bytes(s.parentSpanId);
  }
  w.byte(SPAN.name);
  w.string(s.name);
  if (s.kind !== 0) {
    w.byte(SPAN.kind);
    w.int32(s.kind);
  }
  w.byte(SPAN.startTimeUnixNano);
  w.fixed64(s.startTimeUnixNano);
  w.byte(SPAN.endTimeUnixNano);
  w.fixed64(s.endTimeUnixNano);
  writeAttributes(w, SPAN.attributes, s.attributes);
  w.byte(SPAN.droppedAttributesCount);
  w.varint(s.droppedAttributesCount);
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    w.messageHeader(SPAN.events);
    w.byte(EVENT.timeUnixNano);
    w.fixed64(e.timeUnixNano);
    w.byte(EVENT.name);
    w.string(e.name);
    writeAttributes(w, EVENT.attributes, e.attributes);
    w.byte(EVENT.droppedAttributesCount);
    w.varint(e.droppedAttributesCount);
  }
  w.byte(SPAN.droppedEventsCount);
  w.varint(s.droppedEventsCount);
  const links = s.links;
  for (let i = 0; i < links.length; i++) {
    writeLink(w, links[i]);
  }
  w.byte(SPAN.droppedLinksCount);
  w.varint(s.droppedLinksCount);
  if (s.status !== undefined) {
    w.messageHeader(SPAN.status);
    if (s.status.message !== '') {
      w.byte(STATUS.message);
      w.string(s.status.message);
    }
    w.byte(STATUS.code);
    w.int32(s.status.code);
  }
  if (s.flags !== 0) {
    w.tag(SPAN.flags);
    w.fixed32(s.flags);
  }
}

function writeLink(w: ProtoWriter, l: SpanLink): void {
  w.messageHeader(SPAN.links);
  if (l.traceId.length !== 0) {
    w.byte(LINK.traceId);
    w.bytes(l.traceId);
  }
  if (l.spanId.length !== 0) {
    w.byte(LINK.spanId);
    w.bytes(l.spanId);
  }
  if (l.traceState !== '') {
    w.byte(LINK.traceState);
    w.string(l.traceState);
  }
  writeAttributes(w, LINK.attributes, l.attributes);
  w.byte(LINK.droppedAttributesCount);
  w.varint(l.droppedAttributesCount);
  if (l.flags !== 0) {
    w.byte(LINK.flags);
    w.fixed32(l.flags);
  }
}
