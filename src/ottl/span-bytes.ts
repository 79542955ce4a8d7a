import { decodeAnyValue, decodeKeyValue, decodeResource, decodeScope } from '../otlp/proto/common.ts';
import { ProtoReader } from '../otlp/proto/reader.ts';
import { varintSize, writeVarint } from '../otlp/proto/writer.ts';
import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span, SpanEvent, SpanLink, Status } from '../otlp/types.ts';

// Spans edited where they lie in an encoded ExportTraceServiceRequest, so a filter or an
// attribute edit costs a walk over the bytes instead of a decode and an encode. A visitor sees each
// span's byte range and answers keep, drop, or a list of byte-range replacements inside the span;
// the request is then written once, every untouched byte copied verbatim and only the enclosing
// length prefixes recomputed. A visitor that changes nothing gets the input back.

const RESOURCE_SPANS = (1 << 3) | 2; // ExportTraceServiceRequest.resource_spans
const SCOPE_SPANS = (2 << 3) | 2; // ResourceSpans.scope_spans
const SPANS = (2 << 3) | 2; // ScopeSpans.spans
const RESOURCE = (1 << 3) | 2; // ResourceSpans.resource
const SCOPE = (1 << 3) | 2; // ScopeSpans.scope
export const SPAN_ATTRIBUTES = (9 << 3) | 2;

export const KEEP = 0;
export const DROP = 1;
export const EDIT = 2;

/** Replacements inside one span: bytes[start, end) becomes `with` (or nothing), in position order. */
export class SpanEdits {
  // Reused from span to span: `size` entries are live, the arrays only grow.
  size = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly with: Array<Uint8Array | null> = [];

  clear(): void {
    this.size = 0;
  }

  replace(start: number, end: number, bytes: Uint8Array | null): void {
    const i = this.size++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.with[i] = bytes;
  }
}

export interface SpanVisitor {
  /** The resource of the following spans (decoded once per resource); undefined when absent. */
  resource(resource: Resource | undefined): void;
  scope(scope: InstrumentationScope | undefined): void;
  /** KEEP, DROP, or EDIT after adding replacements to `edits` (which arrives empty). */
  span(bytes: Uint8Array, start: number, end: number, edits: SpanEdits): number;
}

/** Where the entries of one level (resources, scopes or spans) lie: field, its end, its body. */
class Entries {
  readonly field: number[] = [];
  readonly fieldEnd: number[] = [];
  readonly body: number[] = [];
  /** Index of the first child entry (scopes of a resource, spans of a scope). */
  readonly firstChild: number[] = [];

  /** Moves to the next field with `tag` before `end` and records it; false when there is none. */
  next(r: ProtoReader, end: number, tag: number, children: number): boolean {
    while (r.pos < end) {
      const field = r.pos;
      const t = r.tag(end);
      if (t !== tag) {
        r.skip(t, end);
        continue;
      }
      const stop = r.sub(end);
      this.field.push(field);
      this.fieldEnd.push(stop);
      this.body.push(r.pos);
      this.firstChild.push(children);
      return true;
    }
    return false;
  }

  get length(): number {
    return this.field.length;
  }

  last(): number {
    return this.fieldEnd[this.fieldEnd.length - 1];
  }

  /** The children of entry i: [first, end) in the child level of `count` entries. */
  childEnd(i: number, count: number): number {
    return i + 1 < this.firstChild.length ? this.firstChild[i + 1] : count;
  }
}

interface Plan {
  resources: Entries;
  scopes: Entries;
  spans: Entries;
  // Per span: its outcome and its edits' index range; the edits of the batch, flattened.
  outcome: number[];
  editFrom: number[];
  editTo: number[];
  editStart: number[];
  editEnd: number[];
  editWith: Array<Uint8Array | null>;
}

/**
 * Visits every span of an encoded trace request. Returns the input when every span was kept
 * unchanged, else the rewritten request; with prune, scopes and resources whose spans were all
 * dropped are removed too. `dropped` counts the spans dropped.
 */
export function rewriteSpans(bytes: Uint8Array, visitor: SpanVisitor, prune: boolean): { bytes: Uint8Array; dropped: number } {
  const r = new ProtoReader(bytes);
  const plan: Plan = { resources: new Entries(), scopes: new Entries(), spans: new Entries(), outcome: [], editFrom: [], editTo: [], editStart: [], editEnd: [], editWith: [] };
  const { resources, scopes, spans } = plan;
  const edits = new SpanEdits();
  let changed = false;
  let dropped = 0;
  while (resources.next(r, bytes.length, RESOURCE_SPANS, scopes.length)) {
    const rsEnd = resources.last();
    visitor.resource(header(r, rsEnd, RESOURCE, decodeResource));
    while (scopes.next(r, rsEnd, SCOPE_SPANS, spans.length)) {
      const ssEnd = scopes.last();
      visitor.scope(header(r, ssEnd, SCOPE, decodeScope));
      while (spans.next(r, ssEnd, SPANS, 0)) {
        const spanEnd = spans.last();
        edits.clear();
        const outcome = visitor.span(bytes, r.pos, spanEnd, edits);
        plan.outcome.push(outcome);
        plan.editFrom.push(plan.editStart.length);
        if (outcome === EDIT) {
          for (let i = 0; i < edits.size; i++) {
            plan.editStart.push(edits.starts[i]);
            plan.editEnd.push(edits.ends[i]);
            plan.editWith.push(edits.with[i]);
          }
        }
        plan.editTo.push(plan.editStart.length);
        if (outcome !== KEEP) changed = true;
        if (outcome === DROP) dropped++;
        r.pos = spanEnd;
      }
      r.pos = ssEnd;
    }
    r.pos = rsEnd;
  }
  if (!changed) return { bytes, dropped: 0 };
  return { bytes: write(bytes, plan, prune), dropped };
}

/** The entry's header message (its resource or scope), decoded; the reader is left where it was. */
function header<T>(r: ProtoReader, end: number, tag: number, decode: (r: ProtoReader, end: number) => T): T | undefined {
  const body = r.pos;
  let out: T | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t !== tag) {
      r.skip(t, end);
      continue;
    }
    const stop = r.sub(end);
    out = decode(r, stop);
    r.pos = stop;
  }
  r.pos = body;
  return out;
}

function spanBodySize(plan: Plan, i: number): number {
  let size = plan.spans.fieldEnd[i] - plan.spans.body[i];
  for (let e = plan.editFrom[i]; e < plan.editTo[i]; e++) size += (plan.editWith[e]?.length ?? 0) - (plan.editEnd[e] - plan.editStart[e]);
  return size;
}

/**
 * New body sizes of one level's entries from their children's (-1: removed): children's fields
 * are swapped for their new sizes; with prune, an entry whose children all went goes too.
 */
function parentSizes(parents: Entries, children: Entries, childSize: number[], prune: boolean): number[] {
  const sizes = new Array<number>(parents.length);
  for (let p = 0; p < parents.length; p++) {
    const from = parents.firstChild[p];
    const to = parents.childEnd(p, children.length);
    let size = parents.fieldEnd[p] - parents.body[p];
    let kept = 0;
    for (let c = from; c < to; c++) {
      size -= children.fieldEnd[c] - children.field[c];
      if (childSize[c] >= 0) {
        size += 1 + varintSize(childSize[c]) + childSize[c];
        kept++;
      }
    }
    sizes[p] = prune && to > from && kept === 0 ? -1 : size;
  }
  return sizes;
}

function write(bytes: Uint8Array, plan: Plan, prune: boolean): Uint8Array {
  const { resources, scopes, spans } = plan;
  const spanSize = new Array<number>(spans.length);
  for (let i = 0; i < spans.length; i++) spanSize[i] = plan.outcome[i] === DROP ? -1 : plan.outcome[i] === EDIT ? spanBodySize(plan, i) : spans.fieldEnd[i] - spans.body[i];
  const scopeSize = parentSizes(scopes, spans, spanSize, prune);
  const resourceSize = parentSizes(resources, scopes, scopeSize, prune);
  let outSize = bytes.length;
  for (let k = 0; k < resources.length; k++) {
    outSize -= resources.fieldEnd[k] - resources.field[k];
    if (resourceSize[k] >= 0) outSize += 1 + varintSize(resourceSize[k]) + resourceSize[k];
  }

  const out = new Uint8Array(outSize);
  // Buffer#copy copies a range without making a view object per range.
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let cursor = 0;
  const copy = (until: number) => {
    if (until > cursor) pos += src.copy(out, pos, cursor, until);
    cursor = until;
  };
  /** Copies up to entry i of a level, then its new tag and length; false when it was removed. */
  const open = (level: Entries, i: number, size: number, tag: number): boolean => {
    copy(level.field[i]);
    cursor = level.fieldEnd[i];
    if (size < 0) return false;
    out[pos++] = tag;
    pos = writeVarint(out, pos, size);
    cursor = level.body[i];
    return true;
  };
  for (let k = 0; k < resources.length; k++) {
    if (!open(resources, k, resourceSize[k], RESOURCE_SPANS)) continue;
    for (let s = resources.firstChild[k]; s < resources.childEnd(k, scopes.length); s++) {
      if (!open(scopes, s, scopeSize[s], SCOPE_SPANS)) continue;
      for (let i = scopes.firstChild[s]; i < scopes.childEnd(s, spans.length); i++) {
        if (!open(spans, i, spanSize[i], SPANS)) continue;
        for (let e = plan.editFrom[i]; e < plan.editTo[i]; e++) {
          copy(plan.editStart[e]);
          const replacement = plan.editWith[e];
          if (replacement !== null) {
            out.set(replacement, pos);
            pos += replacement.length;
          }
          cursor = plan.editEnd[e];
        }
        copy(spans.fieldEnd[i]);
      }
      copy(scopes.fieldEnd[s]);
    }
    copy(resources.fieldEnd[k]);
  }
  copy(bytes.length);
  if (pos !== outSize) throw new Error(`rewriteSpans bug: wrote ${pos} bytes, sized ${outSize}`);
  return out;
}

const utf8 = new TextEncoder();

function varint(out: number[], v: bigint | number): void {
  let u = BigInt.asUintN(64, BigInt(v));
  while (u > 127n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
}

function lenField(out: number[], tag: number, body: ArrayLike<number>): void {
  out.push(tag);
  varint(out, body.length);
  for (let i = 0; i < body.length; i++) out.push(body[i]);
}

/** The attributes field (tag included) for key = value; undefined for lists, maps and bytes. */
export function encodeAttributeField(key: string, value: AnyValue): Uint8Array | undefined {
  if (value.stringValue !== undefined) return stringAttributeField(key, value.stringValue);
  const any: number[] = [];
  if (value.boolValue !== undefined) any.push(0x10, value.boolValue ? 1 : 0);
  else if (value.intValue !== undefined) {
    any.push(0x18);
    varint(any, value.intValue);
  } else if (value.doubleValue !== undefined) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value.doubleValue);
    any.push(0x21, ...b);
  } else return undefined;
  const kv: number[] = [];
  lenField(kv, 0x0a, utf8.encode(key));
  lenField(kv, 0x12, any);
  const field: number[] = [];
  lenField(field, SPAN_ATTRIBUTES, kv);
  return Uint8Array.from(field);
}

/** A string attribute's field, written straight into one buffer (this runs per edited span). */
function stringAttributeField(key: string, text: string): Uint8Array {
  const keyLen = Buffer.byteLength(key);
  const textLen = Buffer.byteLength(text);
  const any = 1 + varintSize(textLen) + textLen;
  const kv = 1 + varintSize(keyLen) + keyLen + 1 + varintSize(any) + any;
  const out = Buffer.allocUnsafe(1 + varintSize(kv) + kv);
  let pos = 0;
  out[pos++] = SPAN_ATTRIBUTES;
  pos = writeVarint(out, pos, kv);
  out[pos++] = 0x0a;
  pos = writeVarint(out, pos, keyLen);
  pos += out.write(key, pos, 'utf8');
  out[pos++] = 0x12;
  pos = writeVarint(out, pos, any);
  out[pos++] = 0x0a;
  pos = writeVarint(out, pos, textLen);
  out.write(text, pos, 'utf8');
  return out;
}

// ---- a span read where it lies ----

const EMPTY: Uint8Array = new Uint8Array(0);
const NO_EVENTS: SpanEvent[] = [];
const NO_LINKS: SpanLink[] = [];

/**
 * A Span whose fields are read from its bytes on first use; one instance is reset per span. The
 * OTTL accessors read it like a decoded span, and `attributeValue` finds one attribute by comparing
 * key bytes, so a condition on `attributes["http.route"]` decodes one value, not ten.
 * Events and links are not read (no OTTL path reaches them from the span context).
 */
export class LazySpan implements Span {
  #r: ProtoReader = new ProtoReader(EMPTY);
  #start = 0;
  #end = 0;
  // Field positions found by one pass; -1 when absent.
  #name = -1;
  #traceState = -1;
  #traceId = -1;
  #spanId = -1;
  #parent = -1;
  #kind = 0;
  #startTime = -1;
  #endTime = -1;
  #status = -1;
  #flags = 0;
  #droppedAttributes = 0;
  #droppedEvents = 0;
  #droppedLinks = 0;
  /** Start (after the tag) of each attributes field. */
  readonly attributeStarts: number[] = [];
  #attributes: KeyValue[] | undefined;
  #nameText: string | undefined;
  events: SpanEvent[] = NO_EVENTS;
  links: SpanLink[] = NO_LINKS;

  reset(bytes: Uint8Array, start: number, end: number): void {
    if (this.#r.u8 !== bytes) this.#r = new ProtoReader(bytes);
    this.#start = start;
    this.#end = end;
    this.#name = this.#traceState = this.#traceId = this.#spanId = this.#parent = this.#startTime = this.#endTime = this.#status = -1;
    this.#kind = this.#flags = this.#droppedAttributes = this.#droppedEvents = this.#droppedLinks = 0;
    this.attributeStarts.length = 0;
    this.#attributes = undefined;
    this.#nameText = undefined;
    // One pass over the span's fields, by hand: this runs once per span, so it avoids the
    // reader's per-call checks. The request was validated by the receiver's scan; a field that
    // still runs past the span is refused.
    const u8 = bytes;
    let pos = start;
    while (pos < end) {
      let tag = u8[pos++];
      if (tag >= 0x80) {
        let shift = 7;
        tag &= 0x7f;
        let b: number;
        do {
          b = u8[pos++];
          tag |= (b & 0x7f) << shift;
          shift += 7;
        } while (b >= 0x80 && shift < 35);
      }
      const at = pos;
      let value = 0;
      switch (tag & 7) {
        case 0: {
          let shift = 0;
          let b: number;
          do {
            b = u8[pos++];
            if (shift < 28) value |= (b & 0x7f) << shift;
            shift += 7;
          } while (b >= 0x80 && pos < end);
          break;
        }
        case 1:
          pos += 8;
          break;
        case 2: {
          const n = length32(u8, pos);
          pos = lengthEnd + n;
          break;
        }
        case 5:
          value = (u8[pos] | (u8[pos + 1] << 8) | (u8[pos + 2] << 16) | (u8[pos + 3] << 24)) >>> 0;
          pos += 4;
          break;
        default:
          throw new Error(`span field with wire type ${tag & 7} at byte ${at}`);
      }
      if (pos > end) throw new Error(`span field runs past the span at byte ${at}`);
      switch (tag) {
        case 10: this.#traceId = at; break;
        case 18: this.#spanId = at; break;
        case 26: this.#traceState = at; break;
        case 34: this.#parent = at; break;
        case 42: this.#name = at; break;
        case 48: this.#kind = value; break;
        case 57: this.#startTime = at; break;
        case 65: this.#endTime = at; break;
        case SPAN_ATTRIBUTES: this.attributeStarts.push(at); break;
        case 80: this.#droppedAttributes = value; break;
        case 96: this.#droppedEvents = value; break;
        case 112: this.#droppedLinks = value; break;
        case 122: this.#status = at; break;
        case 133: this.#flags = value; break;
      }
    }
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  #bytesAt(at: number): Uint8Array {
    if (at < 0) return EMPTY;
    this.#r.pos = at;
    return this.#r.bytes(this.#end);
  }

  get name(): string {
    if (this.#nameText === undefined) {
      if (this.#name < 0) this.#nameText = '';
      else {
        this.#r.pos = this.#name;
        this.#nameText = this.#r.string(this.#end);
      }
    }
    return this.#nameText;
  }

  get traceState(): string {
    if (this.#traceState < 0) return '';
    this.#r.pos = this.#traceState;
    return this.#r.string(this.#end);
  }

  get traceId(): Uint8Array {
    return this.#bytesAt(this.#traceId);
  }

  /** The trace_state field [tag start, end) within the bytes, or undefined when absent (samplers replace it). */
  traceStateField(): [number, number] | undefined {
    if (this.#traceState < 0) return undefined;
    const n = length32(this.#r.u8, this.#traceState);
    return [this.#traceState - 1, lengthEnd + n];
  }

  /** Where the trace id's bytes start, or -1 when absent; `traceIdLength` bytes long. */
  get traceIdAt(): number {
    if (this.#traceId < 0) return -1;
    length32(this.#r.u8, this.#traceId);
    return lengthEnd;
  }

  get traceIdLength(): number {
    return this.#traceId < 0 ? 0 : length32(this.#r.u8, this.#traceId);
  }

  get spanId(): Uint8Array {
    return this.#bytesAt(this.#spanId);
  }

  get parentSpanId(): Uint8Array {
    return this.#bytesAt(this.#parent);
  }

  get kind(): number {
    return this.#kind;
  }

  get flags(): number {
    return this.#flags;
  }

  get startTimeUnixNano(): bigint {
    if (this.#startTime < 0) return 0n;
    this.#r.pos = this.#startTime;
    return this.#r.fixed64(this.#end);
  }

  get endTimeUnixNano(): bigint {
    if (this.#endTime < 0) return 0n;
    this.#r.pos = this.#endTime;
    return this.#r.fixed64(this.#end);
  }

  get droppedAttributesCount(): number {
    return this.#droppedAttributes;
  }

  get droppedEventsCount(): number {
    return this.#droppedEvents;
  }

  get droppedLinksCount(): number {
    return this.#droppedLinks;
  }

  get status(): Status | undefined {
    if (this.#status < 0) return undefined;
    const r = this.#r;
    r.pos = this.#status;
    const end = r.sub(this.#end);
    const status: Status = { message: '', code: 0 };
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === 18) status.message = r.string(end);
      else if (t === 24) status.code = r.varint32(end);
      else r.skip(t, end);
    }
    return status;
  }

  get attributes(): KeyValue[] {
    if (this.#attributes === undefined) {
      const r = this.#r;
      const out: KeyValue[] = [];
      for (const at of this.attributeStarts) {
        r.pos = at;
        const end = r.sub(this.#end);
        out.push(decodeKeyValue(r, end, 0));
      }
      this.#attributes = out;
    }
    return this.#attributes;
  }

  /** Where the attribute with this key lies: [field start (its tag), field end], or undefined. */
  findAttribute(key: Uint8Array): [number, number] | undefined {
    const u8 = this.#r.u8;
    const starts = this.attributeStarts;
    const keyLength = key.length;
    for (let i = 0; i < starts.length; i++) {
      // The field's length prefix, then the KeyValue: its key is field 1, first as encoders write it.
      const n = length32(u8, starts[i]);
      let pos = lengthEnd;
      const end = pos + n;
      if (pos >= end) continue;
      let len: number;
      if (u8[pos] === 10) {
        len = length32(u8, pos + 1);
        pos = lengthEnd;
      } else {
        // An encoder that wrote the value first: find the key field the slow way.
        const at = this.#keyField(pos, end);
        if (at < 0) continue;
        len = length32(u8, at);
        pos = lengthEnd;
      }
      if (len === keyLength && pos + len <= end && sameBytes(u8, pos, key)) return [starts[i] - 1, end];
    }
    return undefined;
  }

  /**
   * Whether the attribute with this key holds exactly this string, compared as UTF-8 bytes without
   * decoding it; false when it is absent or not a string.
   */
  attributeIsString(key: Uint8Array, value: Uint8Array): boolean {
    const found = this.findAttribute(key);
    if (found === undefined) return false;
    const r = this.#r;
    const u8 = r.u8;
    r.pos = found[0] + 1;
    const end = r.sub(this.#end);
    let result = false;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t !== 18) {
        r.skip(t, end);
        continue;
      }
      // AnyValue: the last value field wins, as in decoding.
      const stop = r.sub(end);
      result = false;
      while (r.pos < stop) {
        const v = r.tag(stop);
        if (v === 10) {
          const n = r.length(stop);
          result = n === value.length && sameBytes(u8, r.pos, value);
          r.pos += n;
        } else {
          result = false;
          r.skip(v, stop);
        }
      }
    }
    return result;
  }

  /** The position of the key's length prefix in the KeyValue body [pos, end), or -1. */
  #keyField(pos: number, end: number): number {
    const r = this.#r;
    r.pos = pos;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === 10) return r.pos;
      r.skip(t, end);
    }
    return -1;
  }

  /** The value of one attribute, found by its key's UTF-8 bytes; only that value is decoded. */
  attributeValue(key: Uint8Array): AnyValue | undefined {
    const found = this.findAttribute(key);
    if (found === undefined) return undefined;
    const r = this.#r;
    r.pos = found[0] + 1;
    const end = r.sub(this.#end);
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === 18) {
        const stop = r.sub(end);
        return decodeAnyValue(r, stop, 0);
      }
      r.skip(t, end);
    }
    return {};
  }
}

/** Where the varint that length32 last read ended (a module slot, so no object per call). */
let lengthEnd = 0;

/** A length prefix at `pos` (the bytes were validated by the receiver's scan); sets lengthEnd. */
function length32(u8: Uint8Array, pos: number): number {
  let n = 0;
  let shift = 0;
  let b: number;
  do {
    b = u8[pos++];
    n |= (b & 0x7f) << shift;
    shift += 7;
  } while (b >= 0x80 && shift < 35);
  lengthEnd = pos;
  return n >>> 0;
}

function sameBytes(u8: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (u8[at + i] !== key[i]) return false;
  return true;
}
