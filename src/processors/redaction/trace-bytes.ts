import { attributesSize, decodeKeyValue, writeAttributes } from '../../otlp/proto/common.ts';
import { decodeSpanBody } from '../../otlp/proto/trace.ts';
import type { ProtoWriter } from '../../otlp/proto/writer.ts';
import { encodeMessage } from '../../otlp/proto/encode.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { rewriteResources } from '../../otlp/proto/rewrite.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import { spanSize, writeSpan } from '../../otlp/proto/trace.ts';
import { EDIT, encodeAttributeField, KEEP, rewriteSpans, type SpanEdits, type SpanVisitor } from '../../ottl/span-bytes.ts';
import type { InstrumentationScope, KeyValue, Resource, Span } from '../../otlp/types.ts';
import { MAX_DEPTH } from './attribute-walker.ts';
import { KEY_ALLOWED, KEY_BLOCKED, KEY_LISTED, type KeyRules } from './key-rules.ts';

// Redaction of an encoded trace request where it lies. Each span's values are read from its
// bytes and only tested (key rules, then the detectors' scan); a span where nothing would change
// is left as bytes and copied verbatim. A span where something would change is decoded, redacted
// by the object path (so both paths share every rule) and re-encoded in place. Resources are few
// and already decoded by the span walk, so they are redacted as objects and spliced back only
// when they changed. A request with nothing to redact comes back as the same bytes.

const SPAN_NAME = TAG.Span.name;
const SPAN_ATTRIBUTES = TAG.Span.attributes;
const SPAN_EVENTS = TAG.Span.events;
const SPAN_LINKS = TAG.Span.links;
const EVENT_ATTRIBUTES = TAG['Span.Event'].attributes;
const LINK_ATTRIBUTES = TAG['Span.Link'].attributes;
const KV_KEY = TAG.KeyValue.key;
const KV_VALUE = TAG.KeyValue.value;
const ANY_STRING = TAG.AnyValue.stringValue;
const ANY_ARRAY = TAG.AnyValue.arrayValue;
const ANY_KVLIST = TAG.AnyValue.kvlistValue;
// ArrayValue.values and KeyValueList.values are both field 1.
const LIST_VALUES = TAG.ArrayValue.values;
const KEY_SLOTS = 1024;
const UNCHANGED = 0;
const ATTRIBUTES = 1;
const WHOLE_SPAN = 2;

/** One span attribute field (tag, length, KeyValue), as the span encoder writes it. */
const attributeFieldSize = (w: ProtoWriter, kv: KeyValue) => attributesSize(w, [kv], 0);
const writeAttributeField = (w: ProtoWriter, kv: KeyValue) => writeAttributes(w, SPAN_ATTRIBUTES, [kv]);

function attributeField(kv: KeyValue): Uint8Array {
  // A redacted value is nearly always a string: written straight into a pooled buffer.
  if (kv.value.stringValue !== undefined) return encodeAttributeField(kv.key, kv.value)!;
  return encodeMessage(kv, attributeFieldSize, writeAttributeField);
}

/** What the byte path needs from the redactor: a test for one string, and the object path. */
export interface TraceRedaction {
  readonly rules: KeyRules | null;
  readonly includeSpanNames: boolean;
  /** False when the UTF-8 value u8[start, end) certainly has nothing to redact (no string is made). */
  mayChangeBytes(u8: Uint8Array, start: number, end: number): boolean;
  /** Whether redacting `value` under `key` would change it (without counting anything). */
  wouldChange(value: string, key: string): boolean;
  /** Redacts a decoded resource in place; true when it changed. */
  redactResource(resource: Resource): boolean;
  /** Whether spans get a summary attribute (then a changed span is rewritten whole). */
  readonly summary: boolean;
  /** Redacts one top-level span attribute; null when it is removed. */
  redactAttribute(kv: KeyValue): KeyValue | null;
  /** Redacts a decoded span in place (and adds its summary attribute). */
  redactSpan(span: Span): void;
}

export class TraceBytesRedactor implements SpanVisitor {
  readonly #redaction: TraceRedaction;
  #r: ProtoReader;
  /** Per ResourceSpans entry of the current request: its redacted resource, or undefined. */
  readonly #resources: Array<Resource | undefined>;
  #anyResource: boolean;
  /** Start and end of each changed span attribute field of the current span. */
  readonly #changedFields: number[];
  #u8: Uint8Array;
  readonly #keys: KeyCache;

  constructor(redaction: TraceRedaction) {
    this.#redaction = redaction;
    this.#keys = new KeyCache(redaction.rules);
    this.#u8 = new Uint8Array(0);
    this.#changedFields = [];
    this.#r = new ProtoReader(new Uint8Array(0));
    this.#resources = [];
    this.#anyResource = false;
  }

  /** The redacted request: `bytes` itself when nothing changed. */
  redact(bytes: Uint8Array): Uint8Array {
    this.#resources.length = 0;
    this.#anyResource = false;
    this.#r = new ProtoReader(bytes);
    this.#u8 = bytes;
    let out = rewriteSpans(bytes, this, false).bytes;
    if (this.#anyResource) {
      const resources = this.#resources;
      let k = 0;
      out = rewriteResources('traces', out, () => resources[k++]);
    }
    this.#resources.length = 0;
    return out;
  }

  resource(resource: Resource | undefined): void {
    const changed = resource !== undefined && this.#redaction.redactResource(resource);
    this.#resources.push(changed ? resource : undefined);
    if (changed) this.#anyResource = true;
  }

  scope(_scope: InstrumentationScope | undefined): void {}

  span(_bytes: Uint8Array, start: number, end: number, edits: SpanEdits): number {
    // One reader per request (rewriteSpans visits the bytes redact() was given).
    const r = this.#r;
    r.pos = start;
    const plan = this.#spanPlan(r, end);
    if (plan === UNCHANGED) return KEEP;
    if (plan === ATTRIBUTES) {
      // Only span attributes change: each changed attribute field is replaced where it lies.
      const fields = this.#changedFields;
      for (let i = 0; i < fields.length; i += 2) {
        r.pos = fields[i];
        r.tag(end);
        const kv = this.#redaction.redactAttribute(decodeKeyValue(r, r.sub(end), 0));
        edits.replace(fields[i], fields[i + 1], kv === null ? null : attributeField(kv));
      }
      return EDIT;
    }
    r.pos = start;
    const span = decodeSpanBody(r, end, 0);
    this.#redaction.redactSpan(span);
    edits.replace(start, end, encodeMessage(span, spanSize, writeSpan));
    return EDIT;
  }

  /**
   * UNCHANGED; ATTRIBUTES with the changed span attribute fields' ranges in #changedFields; or
   * WHOLE_SPAN when an event, a link or the name changes, or a summary attribute will be added.
   */
  #spanPlan(r: ProtoReader, end: number): number {
    const fields = this.#changedFields;
    fields.length = 0;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const t = r.tag(end);
      if (t === SPAN_ATTRIBUTES) {
        const stop = r.sub(end);
        if (this.#keyValueWouldChange(r, stop)) fields.push(fieldStart, stop);
      } else if (t === SPAN_EVENTS || t === SPAN_LINKS) {
        const stop = r.sub(end);
        const want = t === SPAN_EVENTS ? EVENT_ATTRIBUTES : LINK_ATTRIBUTES;
        while (r.pos < stop) {
          const u = r.tag(stop);
          if (u === want) {
            if (this.#keyValueWouldChange(r, r.sub(stop))) return WHOLE_SPAN;
          } else r.skip(u, stop);
        }
      } else if (t === SPAN_NAME && this.#redaction.includeSpanNames) {
        if (this.#stringWouldChange(r, end, '')) return WHOLE_SPAN;
      } else r.skip(t, end);
    }
    if (fields.length === 0) return UNCHANGED;
    return this.#redaction.summary ? WHOLE_SPAN : ATTRIBUTES;
  }

  /** One KeyValue of a list at `depth` (0: top level), as AttributeWalker walks it; leaves the reader at `end`. */
  #keyValueWouldChange(r: ProtoReader, end: number, depth = 0): boolean {
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = -1;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === KV_KEY) {
        keyEnd = r.sub(end);
        keyStart = r.pos;
        r.pos = keyEnd;
      } else if (t === KV_VALUE) {
        valueEnd = r.sub(end);
        valueStart = r.pos;
        r.pos = valueEnd;
      } else r.skip(t, end);
    }
    const key = this.#keys.get(this.#u8, keyStart, keyEnd, r);
    const rules = this.#redaction.rules;
    if (rules !== null) {
      const bits = this.#keys.bits;
      if ((bits & KEY_ALLOWED) !== 0) return false;
      if (depth === 0 && rules.allowOnly && (bits & KEY_LISTED) === 0) return true;
      if ((bits & KEY_BLOCKED) !== 0) return true;
    }
    if (valueStart < 0) return false;
    r.pos = valueStart;
    const changed = this.#valueWouldChange(r, valueEnd, key, depth + 1);
    r.pos = end;
    return changed;
  }

  /** One AnyValue; leaves the reader at `end`. */
  #valueWouldChange(r: ProtoReader, end: number, key: string, depth: number): boolean {
    let changed = false;
    // Each field is judged on its own: a later field of the oneof wins, as in the decoder.
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === ANY_STRING) changed = this.#stringWouldChange(r, end, key);
      else if (t === ANY_ARRAY || t === ANY_KVLIST) {
        const stop = r.sub(end);
        // Deeper containers are replaced whole by the walker (nesting_limit).
        changed = depth > MAX_DEPTH || this.#containerWouldChange(r, stop, t === ANY_KVLIST, key, depth);
        r.pos = stop;
      } else {
        r.skip(t, end);
        changed = false;
      }
    }
    return changed;
  }

  /** A string field's value: a string is made only when its bytes might hold something to redact. */
  #stringWouldChange(r: ProtoReader, end: number, key: string): boolean {
    const stop = r.sub(end);
    const start = r.pos;
    r.pos = stop;
    const redaction = this.#redaction;
    return redaction.mayChangeBytes(this.#u8, start, stop) && redaction.wouldChange(r.decodeUtf8(start, stop), key);
  }

  #containerWouldChange(r: ProtoReader, end: number, kvlist: boolean, key: string, depth: number): boolean {
    while (r.pos < end) {
      const t = r.tag(end);
      if (t !== LIST_VALUES) {
        r.skip(t, end);
        continue;
      }
      const stop = r.sub(end);
      if (kvlist ? this.#keyValueWouldChange(r, stop, depth) : this.#valueWouldChange(r, stop, key, depth + 1)) return true;
      r.pos = stop;
    }
    return false;
  }
}

/**
 * Attribute keys repeat from span to span: each distinct key's string and key-rule class are
 * made once, found again by its bytes. A slot holds the last key that hashed to it.
 */
class KeyCache {
  /** The class of the key the last get() returned (0 without key rules). */
  bits: number;
  readonly #rules: KeyRules | null;
  readonly #bytes: Array<Uint8Array | undefined>;
  readonly #keys: string[];
  readonly #bits: Int32Array;

  constructor(rules: KeyRules | null) {
    this.bits = 0;
    this.#rules = rules;
    this.#bytes = new Array<Uint8Array | undefined>(KEY_SLOTS).fill(undefined);
    this.#keys = new Array<string>(KEY_SLOTS).fill('');
    this.#bits = new Int32Array(KEY_SLOTS);
  }

  get(u8: Uint8Array, start: number, end: number, r: ProtoReader): string {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ u8[i], 0x01000193);
    const slot = (hash >>> 0) & (KEY_SLOTS - 1);
    const cached = this.#bytes[slot];
    if (cached !== undefined && cached.length === end - start) {
      let same = true;
      for (let i = 0; i < cached.length; i++) {
        if (cached[i] !== u8[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.bits = this.#bits[slot];
        return this.#keys[slot];
      }
    }
    const key = start === end ? '' : r.decodeUtf8(start, end);
    const bits = this.#rules === null ? 0 : this.#rules.classify(key);
    this.#bytes[slot] = u8.slice(start, end);
    this.#keys[slot] = key;
    this.#bits[slot] = bits;
    this.bits = bits;
    return key;
  }
}
