import {
  attributesSize, decodeAnyValue, decodeKeyValue, decodeResource, resourceSize, writeAttributes, writeResource,
} from '../../otlp/proto/common.ts';
import { encodeMessage } from '../../otlp/proto/encode.ts';
import { fastBuffer, type FastBuffer } from '../../otlp/proto/node-buffer.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import { decodeSpanBody, spanSize, writeSpan } from '../../otlp/proto/trace.ts';
import { varintSize, writeVarint, type ProtoWriter } from '../../otlp/proto/writer.ts';
import { encodeAttributeField } from '../../ottl/span-bytes.ts';
import type { KeyValue, Resource, Span } from '../../otlp/types.ts';
import { DROP_ATTRIBUTE, DROP_RECORD, HASH, MASK, MASK_TEXT, TRUNCATE } from './actions.ts';
import type { WalkerIds } from './attribute-walker.ts';
import { canonicalText } from './canonical.ts';
import { ChangeProbe, isAscii, type KeyCache } from './change-probe.ts';
import type { RedactionCounts } from './counts.ts';
import { forgetView, isDigit } from './detectors/chars.ts';
import { MatchBuffer } from './detectors/match-buffer.ts';
import type { ValueScanner } from './detectors/scanner.ts';
import { KEY_ALLOWED, KEY_BLOCKED, KEY_LISTED, type KeyRules } from './key-rules.ts';
import { DROP_VALUE, DROP_WHOLE_RECORD, KEEP, type StringRedactor } from './string-redactor.ts';
import { sameWords, VerdictCache } from './verdict-cache.ts';

// Redaction of an encoded trace request where it lies, in one walk and one write.
//
// The walk reads each span's values from the request bytes. A value is scanned once, on its bytes
// (ValueScanner.scanAscii: one prefilter pass, then only the detectors it triggered), and a value
// with nothing to redact costs that and nothing else: no string, no object, no copy. When a
// top-level span attribute changes, the walk decides there and then (counts, masks, hash tokens)
// and records edits of the input: each match's range and what replaces it, and the length
// prefixes that change (the string's, its AnyValue's, the attribute's, and the span's, scope's
// and resource's around it). When the walk is done, the output is allocated at its exact size and
// written once: the input is copied in runs between the edits that change a size, each
// replacement is written straight into the output, and a length prefix that keeps its width is
// overwritten in place after the copy. A request with nothing to redact comes back as the same
// bytes. A span attribute seen before (in this request or an earlier one) is not walked at all:
// its verdict, counts and output bytes, comes from the verdict cache (verdict-cache.ts).
//
// What stays on the object path (decode, redact with AttributeWalker, encode), for the few
// records concerned, so that both paths share every rule:
// - a value that is not ASCII (its UTF-8 bytes are not its characters; the string path redacts it);
// - nested values (maps and arrays) that would change, and attributes not laid out as encoders
//   write them (key, then value);
// - a span whose events, links or name (include_span_names) would change, or that gets a summary
//   attribute: the whole span, after taking back what its byte walk counted;
// - a resource whose attributes would change.

const REQUEST_RESOURCE_SPANS = TAG.ExportTraceServiceRequest.resourceSpans;
const RS_RESOURCE = TAG.ResourceSpans.resource;
const RS_SCOPE_SPANS = TAG.ResourceSpans.scopeSpans;
const SS_SPANS = TAG.ScopeSpans.spans;
const RESOURCE_ATTRIBUTES = TAG.Resource.attributes;
const SPAN_NAME = TAG.Span.name;
const SPAN_ATTRIBUTES = TAG.Span.attributes;
const SPAN_EVENTS = TAG.Span.events;
const SPAN_LINKS = TAG.Span.links;
const EVENT_ATTRIBUTES = TAG['Span.Event'].attributes;
const LINK_ATTRIBUTES = TAG['Span.Link'].attributes;
const KV_KEY = TAG.KeyValue.key;
const KV_VALUE = TAG.KeyValue.value;
const ANY_STRING = TAG.AnyValue.stringValue;
/** The length-delimited wire type. */
const LEN = 2;

// Edits: what replaces input bytes [start, end) in the output.
/** A length prefix: the varint of `a`. */
const E_LENGTH = 0;
/** Nothing. */
const E_CUT = 1;
/** `****`. */
const E_MASK = 2;
/** `****` and the last four digits of the bytes replaced (a payment card). */
const E_CARD = 3;
/** tokens[a]: a hash token. */
const E_TOKEN = 4;
/** blobs[a]: bytes encoded by the object path. */
const E_BLOB = 5;

const MASK_BYTES = Uint8Array.from(MASK_TEXT, (c) => c.charCodeAt(0));
/** The verdict cache's output for a field that changes, until it is seen a second time. */
const UNRENDERED = new Uint8Array(0);
const EMPTY = new Uint8Array(0);
const EMPTY_READER = new ProtoReader(EMPTY);
/** Key slots remembered per attribute index of a span. */
const KEY_HINTS = 64;
const TOKEN_SLOTS = 1024;
if (TOKEN_SLOTS !== 1 << 10) throw new Error('TokenCache takes its slot from the hash\'s top 10 bits');
/** Longer matched texts are hashed without the byte cache (the hasher's own cache stops at 256 too). */
const TOKEN_CACHE_MAX = 256;

/** What the byte path needs from the redactor. */
export interface TraceRedaction {
  readonly rules: KeyRules | null;
  readonly includeSpanNames: boolean;
  /** Whether spans get a summary attribute (then a changed span is redacted whole, as objects). */
  readonly summary: boolean;
  /** The global action, which blocked keys take. */
  readonly blockedAction: number;
  readonly ids: WalkerIds;
  readonly strings: StringRedactor;
  /** Redacts a decoded resource in place; true when it changed. */
  redactResource(resource: Resource): boolean;
  /** Redacts one top-level span attribute; null when it is removed. */
  redactAttribute(kv: KeyValue): KeyValue | null;
  /** Redacts a decoded span in place (and adds its summary attribute). */
  redactSpan(span: Span): void;
}

export class TraceBytesRedactor {
  readonly #redaction: TraceRedaction;
  readonly #strings: StringRedactor;
  readonly #counts: RedactionCounts;
  readonly #actions: Int8Array;
  readonly #cardId: number;
  readonly #maxValueLength: number;
  readonly #oversizeId: number;
  readonly #oversizeAction: number;
  readonly #scanner: ValueScanner;
  /** Would-change tests on the bytes, for what the object path redacts; its key cache is #keys. */
  readonly #probe: ChangeProbe;
  readonly #keys: KeyCache;
  readonly #tokens: TokenCache;
  readonly #verdicts: VerdictCache;
  /** The matches of the value being scanned. */
  readonly #matches: MatchBuffer;
  /** Per match of the value being redacted: its edit kind and argument (reused). */
  #matchKind: Int32Array;
  #matchArg: Int32Array;
  #r: ProtoReader;
  #u8: Uint8Array;
  /**
   * The index of the next attribute in the current span; per index, where the key of the last
   * span's attribute at that index lies in this request, its string and its class.
   */
  #attributeIndex: number;
  readonly #hintAt: Int32Array;
  readonly #hintLength: Int32Array;
  readonly #hintKey: string[];
  readonly #hintBits: Int32Array;
  /**
   * Per index, the last string value judged there under the hinted key: where it lies in this
   * request (length -1 when none) and the verdict cache's slot and serial for it. Spans repeat
   * values at the same index (a route, a peer, one user's email in every span of a trace): an
   * equal value there is found with one compare, without hashing it.
   */
  readonly #memoAt: Int32Array;
  readonly #memoLength: Int32Array;
  readonly #memoSlot: Int32Array;
  readonly #memoSerial: Int32Array;

  // The edits of the current request, in input order (reused from request to request); `size` is
  // each edit's output length.
  #count: number;
  #kind: Int32Array;
  #start: Int32Array;
  #end: Int32Array;
  #arg: Int32Array;
  #size: Int32Array;
  readonly #tokenBytes: Uint8Array[];
  readonly #blobs: Uint8Array[];
  /** Length prefixes that keep their width, written after the copy: output position and value. */
  #inPlaceAt: Int32Array;
  #inPlaceValue: Int32Array;

  constructor(redaction: TraceRedaction) {
    this.#redaction = redaction;
    const strings = redaction.strings;
    const options = strings.options;
    this.#strings = strings;
    this.#counts = options.counts;
    this.#actions = options.actions;
    this.#cardId = options.cardId;
    this.#maxValueLength = options.maxValueLength;
    this.#oversizeId = options.oversizeId;
    this.#oversizeAction = options.oversizeAction;
    this.#scanner = options.scanner;
    this.#probe = new ChangeProbe(redaction.rules, strings);
    this.#keys = this.#probe.keys;
    this.#tokens = new TokenCache(strings);
    this.#verdicts = new VerdictCache();
    this.#matches = new MatchBuffer();
    this.#matchKind = new Int32Array(16);
    this.#matchArg = new Int32Array(16);
    this.#r = new ProtoReader(new Uint8Array(0));
    this.#u8 = new Uint8Array(0);
    this.#attributeIndex = 0;
    this.#hintAt = new Int32Array(KEY_HINTS);
    this.#hintLength = new Int32Array(KEY_HINTS).fill(-1);
    this.#hintKey = new Array<string>(KEY_HINTS).fill('');
    this.#hintBits = new Int32Array(KEY_HINTS);
    this.#memoAt = new Int32Array(KEY_HINTS);
    this.#memoLength = new Int32Array(KEY_HINTS).fill(-1);
    this.#memoSlot = new Int32Array(KEY_HINTS);
    this.#memoSerial = new Int32Array(KEY_HINTS);
    this.#count = 0;
    this.#kind = new Int32Array(64);
    this.#start = new Int32Array(64);
    this.#end = new Int32Array(64);
    this.#arg = new Int32Array(64);
    this.#size = new Int32Array(64);
    this.#tokenBytes = [];
    this.#blobs = [];
    this.#inPlaceAt = new Int32Array(64);
    this.#inPlaceValue = new Int32Array(64);
  }

  /** The redacted request: `bytes` itself when nothing changed. */
  redact(bytes: Uint8Array): Uint8Array {
    const r = new ProtoReader(bytes);
    this.#r = r;
    this.#u8 = bytes;
    this.#count = 0;
    this.#hintLength.fill(-1);
    this.#memoLength.fill(-1);
    this.#counts.openJournal();
    try {
      const end = bytes.length;
      let delta = 0;
      while (r.pos < end) {
        const fieldStart = r.pos;
        const t = r.tag(end);
        if (t !== REQUEST_RESOURCE_SPANS) {
          r.skip(t, end);
          continue;
        }
        const stop = r.sub(end);
        delta += this.#resourceSpans(r, fieldStart, stop);
        r.pos = stop;
      }
      return this.#count === 0 ? bytes : this.#write(bytes, bytes.length + delta);
    } finally {
      this.#counts.closeJournal();
      this.#blobs.length = 0;
      this.#tokenBytes.length = 0;
      // Nothing here keeps the request alive once it is redacted.
      this.#u8 = EMPTY;
      this.#r = EMPTY_READER;
      forgetView();
    }
  }

  // ---- the walk ----

  /** Returns how many bytes the field [fieldStart, end) grows by. */
  #resourceSpans(r: ProtoReader, fieldStart: number, end: number): number {
    const bodyStart = r.pos;
    const length = this.#open(fieldStart, bodyStart);
    let delta = 0;
    while (r.pos < end) {
      const childStart = r.pos;
      const t = r.tag(end);
      if (t === RS_SCOPE_SPANS) {
        const stop = r.sub(end);
        delta += this.#scopeSpans(r, childStart, stop);
        r.pos = stop;
      } else if (t === RS_RESOURCE) {
        const stop = r.sub(end);
        delta += this.#resource(r, childStart, stop);
        r.pos = stop;
      } else r.skip(t, end);
    }
    return this.#close(length, end - bodyStart, delta);
  }

  #scopeSpans(r: ProtoReader, fieldStart: number, end: number): number {
    const bodyStart = r.pos;
    const length = this.#open(fieldStart, bodyStart);
    let delta = 0;
    while (r.pos < end) {
      const childStart = r.pos;
      const t = r.tag(end);
      if (t === SS_SPANS) {
        const stop = r.sub(end);
        delta += this.#span(r, childStart, stop);
        r.pos = stop;
      } else r.skip(t, end);
    }
    return this.#close(length, end - bodyStart, delta);
  }

  /**
   * A resource is tested on its bytes; one that would change is decoded, redacted as objects
   * (counted there) and re-encoded in place.
   */
  #resource(r: ProtoReader, fieldStart: number, end: number): number {
    const bodyStart = r.pos;
    let changes = false;
    while (r.pos < end && !changes) {
      const t = r.tag(end);
      if (t === RESOURCE_ATTRIBUTES) changes = this.#probe.keyValue(r, r.sub(end), 0);
      else r.skip(t, end);
    }
    if (!changes) return 0;
    r.pos = bodyStart;
    const resource = decodeResource(r, end);
    this.#redaction.redactResource(resource);
    const body = encodeMessage(resource, resourceSize, writeResource);
    const field = new Uint8Array(1 + varintSize(body.length) + body.length);
    field[0] = RS_RESOURCE;
    field.set(body, writeVarint(field, 1, body.length));
    return this.#blob(fieldStart, end, field);
  }

  #span(r: ProtoReader, fieldStart: number, end: number): number {
    const u8 = this.#u8;
    const bodyStart = r.pos;
    const length = this.#open(fieldStart, bodyStart);
    const counted = this.#counts.mark();
    const redaction = this.#redaction;
    this.#attributeIndex = 0;
    let whole = false;
    let delta = 0;
    // The span's fields by hand (one-byte tags and lengths read inline; the reader, which checks
    // everything, for the rest).
    let pos = bodyStart;
    while (pos < end) {
      const childStart = pos;
      let t = u8[pos];
      if (t >= 8 && t < 0x80) pos++;
      else if (t >= 0x80 && pos + 1 < end && u8[pos + 1] !== 0 && u8[pos + 1] < 0x80) {
        // A two-byte tag (flags, field 16), minimal as encoders write it.
        t = (t & 0x7f) | (u8[pos + 1] << 7);
        pos += 2;
      } else {
        r.pos = pos;
        t = r.tag(end);
        pos = r.pos;
      }
      const wire = t & 7;
      if (wire !== LEN) {
        // Fixed-width fields (the times, flags) and one-byte varints (kind) in place.
        if (wire === 1 && end - pos >= 8) pos += 8;
        else if (wire === 5 && end - pos >= 4) pos += 4;
        else if (wire === 0 && pos < end && u8[pos] < 0x80) pos++;
        else {
          r.pos = pos;
          r.skip(t, end);
          pos = r.pos;
        }
        continue;
      }
      const lengthStart = pos;
      const stop = lengthAt(u8, pos, end, r) + varintEnd;
      if (t === SPAN_ATTRIBUTES) delta += this.#attribute(r, childStart, lengthStart, varintEnd, stop);
      else if (t === SPAN_EVENTS || t === SPAN_LINKS) {
        if (!whole) {
          r.pos = varintEnd;
          whole = this.#probe.attributes(r, stop, t === SPAN_EVENTS ? EVENT_ATTRIBUTES : LINK_ATTRIBUTES);
        }
      } else if (t === SPAN_NAME && redaction.includeSpanNames) {
        if (!whole) whole = this.#probe.string(r, varintEnd, stop, '');
      }
      pos = stop;
    }
    if (!whole && redaction.summary && this.#count > length + 1) whole = true;
    if (whole) {
      // The object path redacts (and counts) the span again from its original bytes.
      this.#count = length + 1;
      this.#counts.rollback(counted);
      r.pos = bodyStart;
      const span = decodeSpanBody(r, end, 0);
      redaction.redactSpan(span);
      delta = this.#blob(bodyStart, end, encodeMessage(span, spanSize, writeSpan));
    }
    r.pos = end;
    return this.#close(length, end - bodyStart, delta);
  }

  /**
   * One top-level span attribute: its field [fieldStart, end), the field's length prefix at
   * lengthStart, its KeyValue from kvStart. Returns the growth in bytes. A field seen before (by
   * the memo at its index, else in the verdict cache) gets its verdict again, counts and output
   * bytes, without being read; any other is judged (#judgeAttribute) and its verdict kept.
   */
  #attribute(r: ProtoReader, fieldStart: number, lengthStart: number, kvStart: number, end: number): number {
    const index = this.#attributeIndex++;
    const verdicts = this.#verdicts;
    const view = r.view;
    const length = end - fieldStart;
    const hinted = index < KEY_HINTS;
    if (hinted && this.#memoLength[index] === length && verdicts.holds(this.#memoSlot[index], this.#memoSerial[index]) && sameRanges(view, this.#memoAt[index], fieldStart, length)) {
      // The memo keeps pointing at the first equal field: nothing to update.
      return this.#cachedVerdict(this.#memoSlot[index], r, fieldStart, lengthStart, kvStart, end, index);
    }
    let slot: number;
    if (verdicts.find(view, fieldStart, end)) slot = verdicts.slot;
    else {
      const edits = this.#count;
      const counted = this.#counts.mark();
      const delta = this.#judgeAttribute(r, fieldStart, lengthStart, kvStart, end, index);
      // A field that changes is written out for the cache when it is seen again, not now: most
      // values seen once are never seen again.
      slot = verdicts.slot < 0 ? -1 : verdicts.add(view, fieldStart, end, this.#counts, counted, this.#count === edits ? null : UNRENDERED);
      if (hinted) this.#memorize(index, fieldStart, length, slot);
      return delta;
    }
    if (hinted) this.#memorize(index, fieldStart, length, slot);
    return this.#cachedVerdict(slot, r, fieldStart, lengthStart, kvStart, end, index);
  }

  /** Remembers that the field u8[at, at + length) at attribute `index` has its verdict in cache slot `slot` (-1: none). */
  #memorize(index: number, at: number, length: number, slot: number): void {
    if (slot < 0) {
      this.#memoLength[index] = -1;
      return;
    }
    this.#memoAt[index] = at;
    this.#memoLength[index] = length;
    this.#memoSlot[index] = slot;
    this.#memoSerial[index] = this.#verdicts.serialOf(slot);
  }

  /**
   * Applies the verdict in cache slot `slot` to the attribute field [fieldStart, end) (the rest as
   * for #attribute): its counts, then its output bytes. A field that changes and is seen for the
   * second time is judged again, and its output kept.
   */
  #cachedVerdict(slot: number, r: ProtoReader, fieldStart: number, lengthStart: number, kvStart: number, end: number, index: number): number {
    const verdicts = this.#verdicts;
    const field = verdicts.fieldOf(slot);
    if (field === UNRENDERED) {
      const edits = this.#count;
      const delta = this.#judgeAttribute(r, fieldStart, lengthStart, kvStart, end, index);
      verdicts.keepOutput(slot, this.#render(edits, fieldStart, end, delta));
      return delta;
    }
    const to = verdicts.toOf(slot);
    for (let m = verdicts.fromOf(slot); m < to; m++) this.#counts.addIndex(verdicts.counts[m]);
    return field === null ? 0 : this.#blob(fieldStart, end, field);
  }

  /**
   * The output bytes of the input range [start, end) under edits [fromEdit, #count), which all lie
   * inside it and make it `delta` bytes longer.
   */
  #render(fromEdit: number, start: number, end: number, delta: number): Uint8Array {
    const out = new Uint8Array(end - start + delta);
    const src = fastBuffer(this.#u8);
    const written = this.#writeEdits(src, this.#r.view, start, end, fromEdit, this.#count, out, new DataView(out.buffer), 0);
    if (written !== out.length) throw new Error(`redaction bug: rendered ${written} bytes of a field sized ${out.length}`);
    return out;
  }

  /** Judges one attribute field (see #attribute): key rules, then its value's scan and edits. */
  #judgeAttribute(r: ProtoReader, fieldStart: number, lengthStart: number, kvStart: number, end: number, index: number): number {
    const u8 = this.#u8;
    // Laid out as encoders write it: the key (field 1), then the value (field 2) to the end.
    let keyStart = -1;
    let keyEnd = -1;
    let anyStart = -1;
    if (kvStart < end && u8[kvStart] === KV_KEY) {
      keyEnd = lengthAt(u8, kvStart + 1, end, r);
      keyStart = varintEnd;
      keyEnd += keyStart;
      if (keyEnd < end && u8[keyEnd] === KV_VALUE) {
        const length = lengthAt(u8, keyEnd + 1, end, r);
        if (varintEnd + length === end) anyStart = varintEnd;
      }
    }
    if (anyStart < 0) return this.#attributeObjects(r, fieldStart, kvStart, end, false);

    // Spans repeat their attribute keys in the same order: the key at this index in the previous
    // span of this request is tried first, by comparing the two places in the request.
    let key: string;
    let bits: number;
    const keyLength = keyEnd - keyStart;
    if (index < KEY_HINTS && this.#hintLength[index] === keyLength && sameRanges(r.view, this.#hintAt[index], keyStart, keyLength)) {
      key = this.#hintKey[index];
      bits = this.#hintBits[index];
    } else {
      const keys = this.#keys;
      key = keys.get(u8, keyStart, keyEnd, r);
      bits = keys.bits;
      if (index < KEY_HINTS) {
        this.#hintAt[index] = keyStart;
        this.#hintLength[index] = keyLength;
        this.#hintKey[index] = key;
        this.#hintBits[index] = bits;
      }
    }
    const rules = this.#redaction.rules;
    if (rules !== null) {
      if ((bits & KEY_ALLOWED) !== 0) return 0;
      if (rules.allowOnly && (bits & KEY_LISTED) === 0) {
        this.#strings.count(this.#redaction.ids.allowOnly, DROP_ATTRIBUTE);
        return this.#cut(fieldStart, end);
      }
      if ((bits & KEY_BLOCKED) !== 0) return this.#blocked(r, fieldStart, lengthStart, kvStart, end, keyEnd + 1, anyStart);
    }
    // A string value alone in its AnyValue; anything else is judged as the object path would.
    if (anyStart < end && u8[anyStart] === ANY_STRING) {
      const length = lengthAt(u8, anyStart + 1, end, r);
      const valueStart = varintEnd;
      if (valueStart + length === end) return this.#stringAttribute(fieldStart, lengthStart, kvStart, keyEnd + 1, anyStart, valueStart, end, key);
    }
    r.pos = anyStart;
    if (!this.#probe.value(r, end, key, 1)) return 0;
    return this.#attributeObjects(r, fieldStart, kvStart, end, true);
  }

  /**
   * A string attribute, redacted on its bytes when it is ASCII. Its field starts at fieldStart
   * and its length prefix at fieldLength, its KeyValue starts at kvStart, its AnyValue's length
   * prefix is at anyLength, the AnyValue starts at anyStart, and the string is [valueStart, end).
   */
  #stringAttribute(
    fieldStart: number, fieldLength: number, kvStart: number, anyLength: number, anyStart: number, valueStart: number, end: number, key: string,
  ): number {
    const u8 = this.#u8;
    let scanEnd = end;
    if (end - valueStart > this.#maxValueLength) {
      // Oversize is judged in characters: only an ASCII value has as many as it has bytes.
      if (!isAscii(u8, valueStart, end)) return this.#stringObjects(fieldStart, kvStart, valueStart, end, key);
      this.#strings.count(this.#oversizeId, this.#oversizeAction);
      if (this.#oversizeAction !== TRUNCATE) {
        const token = this.#tokens.forBytes(u8, this.#r.view, valueStart, end, this.#tokenBytes);
        return this.#rewrite(fieldLength, kvStart, anyLength, anyStart, valueStart, end, 1, E_TOKEN, token, end - valueStart, end);
      }
      scanEnd = valueStart + this.#maxValueLength;
    }
    const matches = this.#matches;
    matches.clear();
    if (!this.#scanner.scanAscii(u8, valueStart, scanEnd, key, matches)) {
      return this.#stringObjects(fieldStart, kvStart, valueStart, end, key);
    }
    if (matches.length === 0) {
      if (scanEnd === end) return 0;
      return this.#rewrite(fieldLength, kvStart, anyLength, anyStart, valueStart, end, 0, 0, 0, 0, scanEnd);
    }
    matches.resolveOverlaps();
    const actions = this.#actions;
    const n = matches.length;
    let strongest = MASK;
    for (let i = 0; i < n; i++) {
      const action = actions[matches.detectors[i]];
      if (action > strongest) strongest = action;
    }
    // Traces have no record to drop: drop_record removes the attribute.
    if (strongest === DROP_RECORD) strongest = DROP_ATTRIBUTE;
    if (strongest >= DROP_ATTRIBUTE) {
      for (let i = 0; i < n; i++) this.#strings.count(matches.detectors[i], strongest);
      return this.#cut(fieldStart, end);
    }
    // Each match's replacement, then the edits: length prefixes first, as they lie in the input.
    if (n > this.#matchKind.length) {
      this.#matchKind = new Int32Array(n * 2);
      this.#matchArg = new Int32Array(n * 2);
    }
    const kinds = this.#matchKind;
    const args = this.#matchArg;
    let growth = 0;
    for (let i = 0; i < n; i++) {
      const start = matches.starts[i];
      const stop = matches.ends[i];
      const detector = matches.detectors[i];
      const action = actions[detector];
      let size: number;
      if (action === HASH) {
        kinds[i] = E_TOKEN;
        args[i] = this.#tokens.forBytes(u8, this.#r.view, start, stop, this.#tokenBytes);
        size = this.#tokenBytes[args[i]].length;
      } else {
        kinds[i] = detector === this.#cardId ? E_CARD : E_MASK;
        size = MASK_BYTES.length + (kinds[i] === E_CARD ? lastDigits(u8, start, stop) : 0);
      }
      args[i] = kinds[i] === E_TOKEN ? args[i] : size;
      growth += size - (stop - start);
      this.#strings.count(detector, action);
    }
    return this.#rewrite(fieldLength, kvStart, anyLength, anyStart, valueStart, end, n, 0, 0, growth, scanEnd);
  }

  /**
   * Edits for a string attribute whose value [valueStart, end) changes: the three length prefixes,
   * then `n` replacements (the matches, kinds and arguments in #matchKind and #matchArg; or, with
   * `kind` non-zero, one replacement of the whole value by that kind), then the cut of what lies
   * past `keep`. `growth` is what the replacements add. Returns the field's growth in bytes.
   */
  #rewrite(
    fieldLength: number, kvStart: number, anyLength: number, anyStart: number, valueStart: number, end: number,
    n: number, kind: number, arg: number, growth: number, keep: number,
  ): number {
    if (kind !== 0) growth = this.#tokenBytes[arg].length - (end - valueStart);
    growth -= end - keep;
    const stringLength = end - valueStart + growth;
    let delta = growth + varintSize(stringLength) - (valueStart - anyStart - 1);
    const anyBody = end - anyStart + delta;
    const anyLengthGrowth = varintSize(anyBody) - (anyStart - anyLength);
    delta += anyLengthGrowth;
    const kvBody = end - kvStart + delta;
    delta += varintSize(kvBody) - (kvStart - fieldLength);
    this.#length(fieldLength, kvStart, kvBody);
    this.#length(anyLength, anyStart, anyBody);
    this.#length(anyStart + 1, valueStart, stringLength);
    if (kind !== 0) {
      this.#push(kind, valueStart, end, arg, this.#tokenBytes[arg].length);
    } else {
      const matches = this.#matches;
      for (let i = 0; i < n; i++) {
        const k = this.#matchKind[i];
        const a = this.#matchArg[i];
        this.#push(k, matches.starts[i], matches.ends[i], a, k === E_TOKEN ? this.#tokenBytes[a].length : a);
      }
      if (keep < end) this.#push(E_CUT, keep, end, 0, 0);
    }
    return delta;
  }

  /** A blocked key: the whole value, whatever its type, takes the global action. */
  #blocked(r: ProtoReader, fieldStart: number, fieldLength: number, kvStart: number, end: number, anyLength: number, anyStart: number): number {
    const redaction = this.#redaction;
    let action = redaction.blockedAction;
    if (action === DROP_RECORD) action = DROP_ATTRIBUTE;
    this.#strings.count(redaction.ids.blockedKey, action);
    if (action === DROP_ATTRIBUTE) return this.#cut(fieldStart, end);
    // The new AnyValue: a string, `****` or the hash of the value's canonical text (a string's own
    // text, else its canonical form).
    let text = MASK_TEXT;
    if (action === HASH) {
      r.pos = anyStart;
      text = this.#strings.hashToken(canonicalText(decodeAnyValue(r, end, 0)));
    }
    const any = new Uint8Array(1 + varintSize(text.length) + text.length);
    any[0] = ANY_STRING;
    const at = writeVarint(any, 1, text.length);
    for (let i = 0; i < text.length; i++) any[at + i] = text.charCodeAt(i);
    let delta = any.length - (end - anyStart);
    delta += varintSize(any.length) - (anyStart - anyLength);
    const kvBody = end - kvStart + delta;
    delta += varintSize(kvBody) - (kvStart - fieldLength);
    this.#length(fieldLength, kvStart, kvBody);
    this.#length(anyLength, anyStart, any.length);
    this.#blob(anyStart, end, any);
    return delta;
  }

  /** A string value that is not ASCII: redacted as a string, its field re-encoded when it changed. */
  #stringObjects(fieldStart: number, kvStart: number, valueStart: number, end: number, key: string): number {
    const r = this.#r;
    const strings = this.#strings;
    const result = strings.redact(r.decodeUtf8(valueStart, end), key);
    const outcome = strings.outcome;
    if (outcome === KEEP) return 0;
    if (outcome === DROP_VALUE || outcome === DROP_WHOLE_RECORD) return this.#cut(fieldStart, end);
    r.pos = kvStart;
    const kv = decodeKeyValue(r, end, 0);
    return this.#blob(fieldStart, end, encodeAttributeField(kv.key, { stringValue: result })!);
  }

  /** An attribute the byte walk does not rewrite itself: tested on its bytes, redacted as objects if it would change. */
  #attributeObjects(r: ProtoReader, fieldStart: number, kvStart: number, end: number, tested: boolean): number {
    r.pos = kvStart;
    if (!tested && !this.#probe.keyValue(r, end, 0)) return 0;
    r.pos = kvStart;
    const kv = this.#redaction.redactAttribute(decodeKeyValue(r, end, 0));
    if (kv === null) return this.#cut(fieldStart, end);
    return this.#blob(fieldStart, end, attributeField(kv));
  }

  // ---- edits ----

  #push(kind: number, start: number, end: number, arg: number, size: number): number {
    if (this.#count === this.#kind.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#kind = grow(this.#kind);
      this.#start = grow(this.#start);
      this.#end = grow(this.#end);
      this.#arg = grow(this.#arg);
      this.#size = grow(this.#size);
    }
    const i = this.#count++;
    this.#kind[i] = kind;
    this.#start[i] = start;
    this.#end[i] = end;
    this.#arg[i] = arg;
    this.#size[i] = size;
    return i;
  }

  /** The length prefix [start, end) becomes `value`. */
  #length(start: number, end: number, value: number): void {
    this.#push(E_LENGTH, start, end, value, varintSize(value));
  }

  /**
   * A placeholder for the length prefix of the field at fieldStart whose body starts at bodyStart:
   * #close keeps it only if an edit lands inside the field.
   */
  #open(fieldStart: number, bodyStart: number): number {
    // The tag is a varint: the length prefix starts after its last byte.
    let at = fieldStart;
    while (this.#u8[at] >= 0x80) at++;
    return this.#push(E_LENGTH, at + 1, bodyStart, 0, 0);
  }

  /** Closes a field opened at edit `length`, its body bodySize bytes; returns the field's growth. */
  #close(length: number, bodySize: number, delta: number): number {
    if (this.#count === length + 1) {
      this.#count = length;
      return 0;
    }
    const body = bodySize + delta;
    const size = varintSize(body);
    this.#arg[length] = body;
    this.#size[length] = size;
    return delta + size - (this.#end[length] - this.#start[length]);
  }

  #cut(start: number, end: number): number {
    this.#push(E_CUT, start, end, 0, 0);
    return start - end;
  }

  #blob(start: number, end: number, bytes: Uint8Array): number {
    this.#push(E_BLOB, start, end, this.#blobs.length, bytes.length);
    this.#blobs.push(bytes);
    return bytes.length - (end - start);
  }

  // ---- the write ----

  #write(bytes: Uint8Array, size: number): Uint8Array {
    // Every byte is written below, so the memory need not be zeroed; a plain Uint8Array view, as
    // a decoder's copies of it (ids, bytes values) should be.
    const unzeroed = Buffer.allocUnsafe(size);
    const out = new Uint8Array(unzeroed.buffer, unzeroed.byteOffset, size);
    const pos = this.#writeEdits(fastBuffer(bytes), this.#r.view, 0, bytes.length, 0, this.#count, out, new DataView(out.buffer, out.byteOffset, size), 0);
    if (pos !== size) throw new Error(`redaction bug: wrote ${pos} bytes, sized ${size}`);
    return out;
  }

  /**
   * Writes the input range [from, to) with edits [firstEdit, lastEdit) (all inside it, in input
   * order) to out at pos; returns where the output ends.
   */
  #writeEdits(src: FastBuffer, srcView: DataView, from: number, to: number, firstEdit: number, lastEdit: number, out: Uint8Array, outView: DataView, pos: number): number {
    const kind = this.#kind;
    const start = this.#start;
    const end = this.#end;
    const arg = this.#arg;
    let inPlace = 0;
    let cursor = from;
    for (let i = firstEdit; i < lastEdit; i++) {
      const k = kind[i];
      const s = start[i];
      if (k === E_LENGTH) {
        const value = arg[i];
        if (this.#size[i] === end[i] - s) {
          // Same width: copied with the run, overwritten after it.
          if (inPlace === this.#inPlaceAt.length) this.#growInPlace();
          this.#inPlaceAt[inPlace] = pos + (s - cursor);
          this.#inPlaceValue[inPlace++] = value;
          continue;
        }
        pos = copy(src, srcView, cursor, s, out, outView, pos);
        pos = writeVarint(out, pos, value);
      } else {
        pos = copy(src, srcView, cursor, s, out, outView, pos);
        if (k === E_TOKEN) pos = put(this.#tokenBytes[arg[i]], out, pos);
        else if (k === E_MASK || k === E_CARD) {
          pos = put(MASK_BYTES, out, pos);
          if (k === E_CARD) pos = writeLastDigits(src, s, end[i], out, pos);
        } else if (k === E_BLOB) {
          const blob = this.#blobs[arg[i]];
          out.set(blob, pos);
          pos += blob.length;
        }
      }
      cursor = end[i];
    }
    pos = copy(src, srcView, cursor, to, out, outView, pos);
    for (let j = 0; j < inPlace; j++) writeVarint(out, this.#inPlaceAt[j], this.#inPlaceValue[j]);
    return pos;
  }

  #growInPlace(): void {
    const at = new Int32Array(this.#inPlaceAt.length * 2);
    at.set(this.#inPlaceAt);
    this.#inPlaceAt = at;
    const value = new Int32Array(at.length);
    value.set(this.#inPlaceValue);
    this.#inPlaceValue = value;
  }
}

/** Where the length prefix lengthAt last read ended (a module slot, so no object per call). */
let varintEnd = 0;

/**
 * The length prefix at `pos` of a field that must end by `end`; varintEnd is set past it. A
 * one-byte prefix is read here, a longer one (or a bad one, which throws) by the reader.
 */
function lengthAt(u8: Uint8Array, pos: number, end: number, r: ProtoReader): number {
  if (pos < end) {
    const n = u8[pos];
    if (n < 0x80 && n < end - pos) {
      varintEnd = pos + 1;
      return n;
    }
  }
  r.pos = pos;
  const n = r.length(end);
  varintEnd = r.pos;
  return n;
}

/**
 * Copies src[from, to) to out at pos: a long run natively, a shorter one eight bytes at a time
 * through DataViews (a native call costs more than a short run; a byte loop, three times as much).
 */
function copy(src: FastBuffer, srcView: DataView, from: number, to: number, out: Uint8Array, outView: DataView, pos: number): number {
  const n = to - from;
  if (n <= 0) return pos;
  if (n >= 128) return pos + src.copy(out, pos, from, to);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    outView.setInt32(pos + k, srcView.getInt32(from + k, true), true);
    outView.setInt32(pos + k + 4, srcView.getInt32(from + k + 4, true), true);
  }
  if (k + 4 <= n) {
    outView.setInt32(pos + k, srcView.getInt32(from + k, true), true);
    k += 4;
  }
  for (; k < n; k++) out[pos + k] = src[from + k];
  return pos + n;
}

/** Writes `bytes` (a mask or a token: a few dozen bytes at most) to out at pos. */
function put(bytes: Uint8Array, out: Uint8Array, pos: number): number {
  for (let k = 0; k < bytes.length; k++) out[pos + k] = bytes[k];
  return pos + bytes.length;
}

/** How many digits (up to four) src[from, to) has: a masked card keeps its last four. */
function lastDigits(src: Uint8Array, from: number, to: number): number {
  let digits = 0;
  for (let k = to - 1; k >= from && digits < 4; k--) if (isDigit(src[k])) digits++;
  return digits;
}

/** The last (up to) four digits of src[from, to), in order. */
function writeLastDigits(src: Uint8Array, from: number, to: number, out: Uint8Array, pos: number): number {
  let first = to;
  let digits = 0;
  while (first > from && digits < 4) {
    first--;
    if (isDigit(src[first])) digits++;
  }
  for (let k = first; k < to; k++) if (isDigit(src[k])) out[pos++] = src[k];
  return pos;
}

const attributeFieldsSize = (w: ProtoWriter, list: KeyValue[]) => attributesSize(w, list, 0);
const writeAttributeFields = (w: ProtoWriter, list: KeyValue[]) => writeAttributes(w, SPAN_ATTRIBUTES, list);

/** One span attribute field (tag, length, KeyValue), as the span encoder writes it. */
function attributeField(kv: KeyValue): Uint8Array {
  // Strings, numbers and booleans are written straight into one buffer; lists, maps and bytes
  // by the encoder.
  return encodeAttributeField(kv.key, kv.value) ?? encodeMessage([kv], attributeFieldsSize, writeAttributeFields);
}

/**
 * Hash tokens by the bytes of the text they hash (emails repeat from span to span): a hit costs
 * a hash and a compare of the bytes, a word at a time, and makes no string. Misses go to the
 * hasher, which computes the HMAC over the text's UTF-8. The texts are kept in one arena.
 */
class TokenCache {
  readonly #strings: StringRedactor;
  readonly #tokens: Array<Uint8Array | undefined>;
  /** Each slot's text: arena[at[slot], at[slot] + length[slot]); length -1 for an empty slot. */
  readonly #at: Int32Array;
  readonly #length: Int32Array;
  #arena: Uint8Array;
  #arenaView: DataView;
  #arenaUsed: number;

  constructor(strings: StringRedactor) {
    this.#strings = strings;
    this.#tokens = new Array<Uint8Array | undefined>(TOKEN_SLOTS).fill(undefined);
    this.#at = new Int32Array(TOKEN_SLOTS);
    this.#length = new Int32Array(TOKEN_SLOTS).fill(-1);
    this.#arena = new Uint8Array(32 * TOKEN_SLOTS);
    this.#arenaView = new DataView(this.#arena.buffer);
    this.#arenaUsed = 0;
  }

  /** The token of the ASCII text u8[start, end) (`view` over u8), appended to `list`; returns its index there. */
  forBytes(u8: Uint8Array, view: DataView, start: number, end: number, list: Uint8Array[]): number {
    const length = end - start;
    if (length > TOKEN_CACHE_MAX || length < 4) return list.push(asciiBytes(this.#strings.hashToken(latin1(u8, start, end)))) - 1;
    // A hash of the words, the last one overlapping (length > 3 here).
    let hash = length;
    const last = end - 4;
    for (let i = start; i < last; i += 4) hash = Math.imul(hash ^ view.getInt32(i, true), 0x9e3779b1);
    hash = Math.imul(hash ^ view.getInt32(last, true), 0x9e3779b1);
    const slot = (hash >>> 22) & (TOKEN_SLOTS - 1);
    if (this.#length[slot] === length && sameWords(this.#arenaView, this.#at[slot], view, start, length)) return list.push(this.#tokens[slot]!) - 1;
    const token = asciiBytes(this.#strings.hashToken(latin1(u8, start, end)));
    if (this.#arenaUsed + length > this.#arena.length) {
      // Full: start over (the tokens already handed out stay valid).
      this.#length.fill(-1);
      this.#arenaUsed = 0;
    }
    this.#arena.set(u8.subarray(start, end), this.#arenaUsed);
    this.#at[slot] = this.#arenaUsed;
    this.#length[slot] = length;
    this.#arenaUsed += length;
    this.#tokens[slot] = token;
    return list.push(token) - 1;
  }
}

/**
 * Whether two ranges of one buffer (its DataView) hold the same bytes: four at a time, the last
 * four overlapping (a per-byte loop costs V8 a dozen checks a byte).
 */
function sameRanges(view: DataView, a: number, b: number, length: number): boolean {
  if (length < 4) {
    for (let i = 0; i < length; i++) if (view.getUint8(a + i) !== view.getUint8(b + i)) return false;
    return true;
  }
  const last = length - 4;
  for (let i = 0; i < last; i += 4) if (view.getInt32(a + i) !== view.getInt32(b + i)) return false;
  return view.getInt32(a + last) === view.getInt32(b + last);
}

function latin1(u8: Uint8Array, start: number, end: number): string {
  return Buffer.from(u8.buffer, u8.byteOffset + start, end - start).toString('latin1');
}

/** A hash token (`hmac:` and hex digits) as bytes. */
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
