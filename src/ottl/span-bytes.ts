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

interface Plan {
  // Per span, in order: field start, field end, body start, outcome, and its edits' delta.
  spanField: number[];
  spanFieldEnd: number[];
  spanBody: number[];
  outcome: number[];
  editFrom: number[];
  editTo: number[];
  // All edits of the batch, flattened.
  editStart: number[];
  editEnd: number[];
  editWith: Array<Uint8Array | null>;
  // Per scope: field range, body range, first and last span index.
  scopeField: number[];
  scopeFieldEnd: number[];
  scopeBody: number[];
  scopeSpans: number[];
  // Per resource: field range, body range, first and last scope index.
  resourceField: number[];
  resourceFieldEnd: number[];
  resourceBody: number[];
  resourceScopes: number[];
}

function newPlan(): Plan {
  return {
    spanField: [], spanFieldEnd: [], spanBody: [], outcome: [], editFrom: [], editTo: [],
    editStart: [], editEnd: [], editWith: [],
    scopeField: [], scopeFieldEnd: [], scopeBody: [], scopeSpans: [],
    resourceField: [], resourceFieldEnd: [], resourceBody: [], resourceScopes: [],
  };
}

/**
 * Visits every span of an encoded trace request. Returns the input when every span was kept
 * unchanged, else the rewritten request; with prune, scopes and resources whose spans were all
 * dropped are removed too. `dropped` counts the spans dropped.
 */
export function rewriteSpans(bytes: Uint8Array, visitor: SpanVisitor, prune: boolean): { bytes: Uint8Array; dropped: number } {
  const r = new ProtoReader(bytes);
  const total = bytes.length;
  const plan = newPlan();
  const edits = new SpanEdits();
  let changed = false;
  let dropped = 0;
  while (r.pos < total) {
    const rsField = r.pos;
    const t = r.tag(total);
    if (t !== RESOURCE_SPANS) {
      r.skip(t, total);
      continue;
    }
    const rsEnd = r.sub(total);
    const rsBody = r.pos;
    plan.resourceField.push(rsField);
    plan.resourceFieldEnd.push(rsEnd);
    plan.resourceBody.push(rsBody);
    plan.resourceScopes.push(plan.scopeField.length);
    visitor.resource(header(r, rsEnd, RESOURCE, decodeResource));
    while (r.pos < rsEnd) {
      const ssField = r.pos;
      const f = r.tag(rsEnd);
      if (f !== SCOPE_SPANS) {
        r.skip(f, rsEnd);
        continue;
      }
      const ssEnd = r.sub(rsEnd);
      const ssBody = r.pos;
      plan.scopeField.push(ssField);
      plan.scopeFieldEnd.push(ssEnd);
      plan.scopeBody.push(ssBody);
      plan.scopeSpans.push(plan.spanField.length);
      visitor.scope(header(r, ssEnd, SCOPE, decodeScope));
      while (r.pos < ssEnd) {
        const spanField = r.pos;
        const g = r.tag(ssEnd);
        if (g !== SPANS) {
          r.skip(g, ssEnd);
          continue;
        }
        const spanEnd = r.sub(ssEnd);
        const spanBody = r.pos;
        edits.clear();
        const outcome = visitor.span(bytes, spanBody, spanEnd, edits);
        plan.spanField.push(spanField);
        plan.spanFieldEnd.push(spanEnd);
        plan.spanBody.push(spanBody);
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
  let size = plan.spanFieldEnd[i] - plan.spanBody[i];
  for (let e = plan.editFrom[i]; e < plan.editTo[i]; e++) size += (plan.editWith[e]?.length ?? 0) - (plan.editEnd[e] - plan.editStart[e]);
  return size;
}

function write(bytes: Uint8Array, plan: Plan, prune: boolean): Uint8Array {
  const spans = plan.spanField.length;
  const scopes = plan.scopeField.length;
  const resources = plan.resourceField.length;
  // Sizes, innermost first.
  const spanSize = new Array<number>(spans);
  for (let i = 0; i < spans; i++) spanSize[i] = plan.outcome[i] === DROP ? -1 : plan.outcome[i] === EDIT ? spanBodySize(plan, i) : plan.spanFieldEnd[i] - plan.spanBody[i];
  const scopeSize = new Array<number>(scopes);
  for (let s = 0; s < scopes; s++) {
    const from = plan.scopeSpans[s];
    const to = s + 1 < scopes ? plan.scopeSpans[s + 1] : spans;
    let size = plan.scopeFieldEnd[s] - plan.scopeBody[s];
    let kept = 0;
    for (let i = from; i < to; i++) {
      size -= plan.spanFieldEnd[i] - plan.spanField[i];
      if (spanSize[i] >= 0) {
        size += 1 + varintSize(spanSize[i]) + spanSize[i];
        kept++;
      }
    }
    scopeSize[s] = prune && to > from && kept === 0 ? -1 : size;
  }
  const resourceSize = new Array<number>(resources);
  let outSize = bytes.length;
  for (let k = 0; k < resources; k++) {
    const from = plan.resourceScopes[k];
    const to = k + 1 < resources ? plan.resourceScopes[k + 1] : scopes;
    let size = plan.resourceFieldEnd[k] - plan.resourceBody[k];
    let kept = 0;
    for (let s = from; s < to; s++) {
      size -= plan.scopeFieldEnd[s] - plan.scopeField[s];
      if (scopeSize[s] >= 0) {
        size += 1 + varintSize(scopeSize[s]) + scopeSize[s];
        kept++;
      }
    }
    resourceSize[k] = prune && to > from && kept === 0 ? -1 : size;
    outSize -= plan.resourceFieldEnd[k] - plan.resourceField[k];
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
  for (let k = 0; k < resources; k++) {
    copy(plan.resourceField[k]);
    cursor = plan.resourceFieldEnd[k];
    if (resourceSize[k] < 0) continue;
    out[pos++] = RESOURCE_SPANS;
    pos = writeVarint(out, pos, resourceSize[k]);
    cursor = plan.resourceBody[k];
    const sFrom = plan.resourceScopes[k];
    const sTo = k + 1 < resources ? plan.resourceScopes[k + 1] : scopes;
    for (let s = sFrom; s < sTo; s++) {
      copy(plan.scopeField[s]);
      cursor = plan.scopeFieldEnd[s];
      if (scopeSize[s] < 0) continue;
      out[pos++] = SCOPE_SPANS;
      pos = writeVarint(out, pos, scopeSize[s]);
      cursor = plan.scopeBody[s];
      const from = plan.scopeSpans[s];
      const to = s + 1 < scopes ? plan.scopeSpans[s + 1] : spans;
      for (let i = from; i < to; i++) {
        copy(plan.spanField[i]);
        cursor = plan.spanFieldEnd[i];
        if (spanSize[i] < 0) continue;
        out[pos++] = SPANS;
        pos = writeVarint(out, pos, spanSize[i]);
        cursor = plan.spanBody[i];
        for (let e = plan.editFrom[i]; e < plan.editTo[i]; e++) {
          copy(plan.editStart[e]);
          const replacement = plan.editWith[e];
          if (replacement !== null) {
            out.set(replacement, pos);
            pos += replacement.length;
          }
          cursor = plan.editEnd[e];
        }
        copy(plan.spanFieldEnd[i]);
      }
      copy(plan.scopeFieldEnd[s]);
    }
    copy(plan.resourceFieldEnd[k]);
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
          let n = 0;
          let shift = 0;
          let b: number;
          do {
            b = u8[pos++];
            n |= (b & 0x7f) << shift;
            shift += 7;
          } while (b >= 0x80 && shift < 35);
          pos += n >>> 0;
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
      let pos = starts[i];
      let n = 0;
      let shift = 0;
      let b: number;
      do {
        b = u8[pos++];
        n |= (b & 0x7f) << shift;
        shift += 7;
      } while (b >= 0x80 && shift < 35);
      const end = pos + (n >>> 0);
      if (pos >= end || u8[pos] !== 10) continue;
      pos++;
      let len = 0;
      shift = 0;
      do {
        b = u8[pos++];
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b >= 0x80 && shift < 35);
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

function sameBytes(u8: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (u8[at + i] !== key[i]) return false;
  return true;
}
