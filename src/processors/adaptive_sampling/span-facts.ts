import { decodeAnyValue } from '../../otlp/proto/common.ts';
import { KeyValueLocation } from '../../otlp/proto/key-value.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import type { AnyValue } from '../../otlp/types.ts';
import { numberOf } from './rules.ts';

// What the policy needs from a span, read straight from its protobuf bytes: the sampler never
// decodes a span into objects on its way in, and holds it only as bytes. One SpanFacts is
// reused for every span; `read` overwrites it. Attribute values are located, not decoded: the
// keys the policy reads (error codes, rule attributes, key fields) are compiled into a watch
// list once, and only a watched key's value is ever decoded.

export const ErrorReason = {
  NONE: '',
  STATUS: 'error',
  EXCEPTION: 'exception',
  HTTP_5XX: 'http_5xx',
  GRPC: 'grpc_error',
} as const;
export type ErrorReason = (typeof ErrorReason)[keyof typeof ErrorReason];
/** The reasons by number (SpanFacts.errorCode), for typed columns; 0 is none. */
export const ERROR_REASONS: readonly ErrorReason[] = [ErrorReason.NONE, ErrorReason.STATUS, ErrorReason.EXCEPTION, ErrorReason.HTTP_5XX, ErrorReason.GRPC];
const CODE_STATUS = 1;
const CODE_EXCEPTION = 2;
const CODE_HTTP_5XX = 3;
const CODE_GRPC = 4;

export const ADJUSTED_COUNT = 'sampling.adjusted_count';
export const REASON = 'sampling.reason';

const STATUS_ERROR = 2;
const EXCEPTION = new TextEncoder().encode('exception');

// Watch slots every sampler has, in this order.
const SLOT_HTTP_STATUS = 0;
const SLOT_HTTP_STATUS_OLD = 1;
const SLOT_GRPC_STATUS = 2;
const SLOT_ADJUSTED_COUNT = 3;
const SLOT_REASON = 4;

// Span tags, from the OTLP schema table; module-level consts, as fast in a switch as literals.
const TAG_TRACE_ID = TAG.Span.traceId;
const TAG_TRACE_STATE = TAG.Span.traceState;
const TAG_PARENT = TAG.Span.parentSpanId;
const TAG_SPAN_ID = TAG.Span.spanId;
// flags (field 16, fixed32): a two-byte tag.
const TAG_FLAGS_0 = (TAG.Span.flags & 0x7f) | 0x80;
const TAG_FLAGS_1 = TAG.Span.flags >>> 7;
const TAG_NAME = TAG.Span.name;
const TAG_KIND = TAG.Span.kind;
const TAG_START = TAG.Span.startTimeUnixNano;
const TAG_END = TAG.Span.endTimeUnixNano;
const TAG_ATTRIBUTE = TAG.Span.attributes;
const TAG_EVENT = TAG.Span.events;
const TAG_STATUS = TAG.Span.status;
const TAG_KEY = TAG.KeyValue.key;
const TAG_KV_VALUE = TAG.KeyValue.value;
const TAG_EVENT_NAME = TAG['Span.Event'].name;
const TAG_STRING_VALUE = TAG.AnyValue.stringValue;
const TAG_BOOL_VALUE = TAG.AnyValue.boolValue;
const TAG_INT_VALUE = TAG.AnyValue.intValue;
const TAG_DOUBLE_VALUE = TAG.AnyValue.doubleValue;

export class SpanFacts {
  readonly #keys: Uint8Array[] = [];
  readonly #names: string[] = [];
  /** Watched key indexes by key length, for a one-compare miss on most attributes. */
  #byLength: number[][] = [];
  /** 1 at each key length below 128 that some watched key has. */
  readonly #watchedLength = new Uint8Array(128);
  #slotStart = new Int32Array(0);
  #slotEnd = new Int32Array(0);
  readonly #kv = new KeyValueLocation();

  r: ProtoReader = new ProtoReader(new Uint8Array(0));
  /** The span message's byte range in `r`. */
  start = 0;
  end = 0;
  traceIdStart = 0;
  traceIdLength = 0;
  isRoot = true;
  #nameStart = 0;
  #nameEnd = 0;
  kind = 0;
  #startPos = -1;
  #endPos = -1;
  statusCode = 0;
  hasException = false;
  hasTraceState = false;
  #traceStateStart = 0;
  #traceStateEnd = 0;

  constructor() {
    this.watch('http.response.status_code');
    this.watch('http.status_code');
    this.watch('rpc.grpc.status_code');
    this.watch(ADJUSTED_COUNT);
    this.watch(REASON);
  }

  /** Adds an attribute key to the watch list (before the first read) and returns its slot. */
  watch(key: string): number {
    const existing = this.#names.indexOf(key);
    if (existing >= 0) return existing;
    const bytes = new TextEncoder().encode(key);
    const slot = this.#keys.length;
    this.#keys.push(bytes);
    this.#names.push(key);
    (this.#byLength[bytes.length] ??= []).push(slot);
    if (bytes.length < 128) this.#watchedLength[bytes.length] = 1;
    this.#slotStart = new Int32Array(slot + 1);
    this.#slotEnd = new Int32Array(slot + 1);
    return slot;
  }

  /**
   * Reads the Span message at [start, end) of `r`'s buffer. The cursor is a local here, and tags
   * and lengths of one byte (nearly all of a span's) are read inline; anything longer, and every
   * check, goes through the reader.
   */
  read(r: ProtoReader, start: number, end: number): void {
    this.r = r;
    this.start = start;
    this.end = end;
    this.traceIdStart = start;
    this.traceIdLength = 0;
    this.isRoot = true;
    this.#nameStart = this.#nameEnd = 0;
    this.kind = 0;
    this.#startPos = this.#endPos = -1;
    this.statusCode = 0;
    this.hasException = false;
    this.hasTraceState = false;
    const slotStart = this.#slotStart;
    for (let i = 0; i < slotStart.length; i++) slotStart[i] = -1; // fill() is a call; the slots are few
    const u8 = r.u8;
    const watched = this.#watchedLength;
    let pos = start;
    // The SDKs write trace_id, span_id, parent_span_id (when set), flags, name, kind and the two
    // timestamps first, in that order: that prefix is read in a straight line, each step as the
    // loop below would, and the loop takes over at the first field that differs.
    if (u8[pos] === TAG_TRACE_ID && u8[pos + 1] === 16 && pos + 18 <= end) {
      this.traceIdStart = pos + 2;
      this.traceIdLength = 16;
      pos += 18;
      if (u8[pos] === TAG_SPAN_ID && u8[pos + 1] === 8 && pos + 10 <= end) {
        pos += 10;
        if (u8[pos] === TAG_PARENT && u8[pos + 1] === 8 && pos + 10 <= end) {
          this.isRoot = false;
          pos += 10;
        }
        if (u8[pos] === TAG_FLAGS_0 && u8[pos + 1] === TAG_FLAGS_1 && pos + 6 <= end) pos += 6;
        const n = u8[pos + 1];
        if (u8[pos] === TAG_NAME && n < 0x80 && pos + 2 + n <= end) {
          this.#nameStart = pos + 2;
          this.#nameEnd = pos += 2 + n;
          if (u8[pos] === TAG_KIND && u8[pos + 1] < 0x80 && pos + 2 <= end) {
            this.kind = u8[pos + 1];
            pos += 2;
            if (u8[pos] === TAG_START && pos + 9 <= end) {
              this.#startPos = pos + 1;
              pos += 9;
              if (u8[pos] === TAG_END && pos + 9 <= end) {
                this.#endPos = pos + 1;
                pos += 9;
              }
            }
          }
        }
      }
    }
    while (pos < end) {
      let t = u8[pos];
      if (t === TAG_ATTRIBUTE) {
        // Half a span's fields are attributes: their tag, length and key length are tested
        // before the general dispatch, and most keys (a length no watched key has) end here.
        let n = u8[pos + 1];
        if (n < 0x80 && pos + 2 + n <= end) {
          pos += 2;
        } else {
          r.pos = pos + 1;
          n = r.length(end);
          pos = r.pos;
        }
        const stop = pos + n;
        if (!(u8[pos] === TAG_KEY && u8[pos + 1] < 0x80 && watched[u8[pos + 1]] === 0)) this.#readAttribute(r, pos, stop);
        pos = stop;
        continue;
      }
      if (t >= 8 && t < 0x80) {
        pos++;
      } else if (t >= 0x80 && pos + 1 < end && u8[pos + 1] < 0x80) {
        // Fields 16 to 2047 (a span's flags): a two-byte tag.
        t = (t & 0x7f) | (u8[pos + 1] << 7);
        pos += 2;
      } else {
        r.pos = pos;
        t = r.tag(end);
        pos = r.pos;
      }
      // The length of a LEN field, for the cases below that have one.
      let n = u8[pos];
      if ((t & 7) === 2) {
        if (n < 0x80 && pos + 1 + n <= end) {
          pos++;
        } else {
          r.pos = pos;
          n = r.length(end);
          pos = r.pos;
        }
      }
      switch (t) {
        case TAG_TRACE_ID:
          this.traceIdLength = n;
          this.traceIdStart = pos;
          pos += n;
          break;
        case TAG_TRACE_STATE:
          this.hasTraceState = n > 0;
          this.#traceStateStart = pos;
          pos += n;
          this.#traceStateEnd = pos;
          break;
        case TAG_PARENT:
          this.isRoot = n === 0;
          pos += n;
          break;
        case TAG_NAME:
          this.#nameStart = pos;
          this.#nameEnd = pos += n;
          break;
        case TAG_KIND:
          r.pos = pos;
          this.kind = r.varint32(end) | 0;
          pos = r.pos;
          break;
        case TAG_START:
          if (end - pos < 8) {
            r.pos = pos;
            r.fail('truncated fixed64');
          }
          this.#startPos = pos;
          pos += 8;
          break;
        case TAG_END:
          if (end - pos < 8) {
            r.pos = pos;
            r.fail('truncated fixed64');
          }
          this.#endPos = pos;
          pos += 8;
          break;
        case TAG_ATTRIBUTE: {
          // Only with a tag of more bytes than it needs; the usual one is read above.
          const stop = pos + n;
          this.#readAttribute(r, pos, stop);
          pos = stop;
          break;
        }
        case TAG_EVENT: {
          const stop = pos + n;
          if (!this.hasException) {
            r.pos = pos;
            this.hasException = eventIsException(r, stop);
          }
          pos = stop;
          break;
        }
        case TAG_STATUS: {
          const stop = pos + n;
          r.pos = pos;
          this.statusCode = statusCodeOf(r, stop);
          pos = stop;
          break;
        }
        default:
          if ((t & 7) === 2) {
            pos += n;
          } else if ((t & 7) === 5 && pos + 4 <= end) {
            pos += 4; // fixed32: flags
          } else if ((t & 7) === 0 && n < 0x80 && pos < end) {
            pos++; // a one-byte varint: dropped counts
          } else {
            r.pos = pos;
            r.skip(t, end);
            pos = r.pos;
          }
      }
    }
    r.pos = pos;
  }

  /** Reads one span given as its own message bytes (tests, tools). */
  readSpan(bytes: Uint8Array): void {
    this.read(new ProtoReader(bytes), 0, bytes.length);
  }

  /** The KeyValue at [start, end): if its key is watched (first occurrence), where its value lies. */
  #readAttribute(r: ProtoReader, start: number, end: number): void {
    const u8 = r.u8;
    let keyStart = -1;
    let keyLength = 0;
    let valueStart = -1;
    let valueEnd = -1;
    // The usual encoding, a key then a value with one-byte lengths, is read inline; anything else by KeyValueLocation.
    const kl = u8[start + 1];
    const v = start + 2 + kl;
    const vl = u8[v + 1];
    if (u8[start] === TAG_KEY && kl < 0x80 && u8[v] === TAG_KV_VALUE && vl < 0x80 && v + 2 + vl === end) {
      keyStart = start + 2;
      keyLength = kl;
      valueStart = v + 2;
      valueEnd = end;
    } else {
      const kv = this.#kv;
      r.pos = start;
      kv.read(r, end);
      keyStart = kv.keyStart;
      keyLength = kv.keyLength;
      valueStart = kv.valueStart;
      valueEnd = kv.valueEnd;
    }
    const candidates = this.#byLength[keyLength];
    if (candidates === undefined || keyStart < 0) return;
    for (let c = 0; c < candidates.length; c++) {
      const slot = candidates[c];
      if (this.#slotStart[slot] >= 0) continue; // the first occurrence wins, as in lookups by key
      const key = this.#keys[slot];
      let i = 0;
      while (i < keyLength && u8[keyStart + i] === key[i]) i++;
      if (i === keyLength) {
        // A KeyValue without a value reads as an empty AnyValue: present, with no value.
        this.#slotStart[slot] = valueStart < 0 ? end : valueStart;
        this.#slotEnd[slot] = valueStart < 0 ? end : valueEnd;
        return;
      }
    }
  }

  #has(slot: number): boolean {
    return this.#slotStart[slot] >= 0;
  }

  /** The watched attribute's value (decoded now), or undefined when the span lacks it. */
  value(slot: number): AnyValue | undefined {
    const start = this.#slotStart[slot];
    if (start < 0) return undefined;
    const r = this.r;
    const save = r.pos;
    r.pos = start;
    const v = decodeAnyValue(r, this.#slotEnd[slot], 0);
    r.pos = save;
    return v;
  }

  /** The span's trace_state; read only when hasTraceState, since it costs a string. */
  traceState(): string {
    return this.hasTraceState ? this.r.decodeUtf8(this.#traceStateStart, this.#traceStateEnd) : '';
  }

  name(): string {
    const r = this.r;
    return r.decodeUtf8(this.#nameStart, this.#nameEnd);
  }

  /** Where the span's name lies in r.u8 (an empty range when it has none). */
  get nameStart(): number {
    return this.#nameStart;
  }

  get nameEnd(): number {
    return this.#nameEnd;
  }

  /** Where the watched attribute's value (an AnyValue) lies in r.u8; start -1 when the span lacks it. */
  valueStart(slot: number): number {
    return this.#slotStart[slot];
  }

  valueEnd(slot: number): number {
    return this.#slotEnd[slot];
  }

  /** Root duration in milliseconds; 0 when a timestamp is missing or end precedes start. */
  durationMs(): number {
    if (this.#startPos < 0 || this.#endPos < 0) return 0;
    const view = this.r.view;
    // Whole-nanosecond differences of two fixed64 stay exact in a double below 2^53 ns (104 days).
    const nanos =
      (view.getUint32(this.#endPos + 4, true) - view.getUint32(this.#startPos + 4, true)) * 4294967296 +
      (view.getUint32(this.#endPos, true) - view.getUint32(this.#startPos, true));
    return nanos > 0 ? nanos / 1e6 : 0;
  }

  /**
   * True when stamping the span must merge with what it already carries (a trace_state, or an
   * adjusted count or reason from an upstream sampler); otherwise the stamp is appended as bytes.
   */
  needsMerge(): boolean {
    return this.hasTraceState || this.#has(SLOT_ADJUSTED_COUNT) || this.#has(SLOT_REASON);
  }

  /** Why this span marks its trace as an error, or '' when it does not. */
  errorReason(keepHttp5xx: boolean, keepGrpcErrors: boolean): ErrorReason {
    return ERROR_REASONS[this.errorCode(keepHttp5xx, keepGrpcErrors)];
  }

  /** errorReason as its index in ERROR_REASONS. */
  errorCode(keepHttp5xx: boolean, keepGrpcErrors: boolean): number {
    if (this.statusCode === STATUS_ERROR) return CODE_STATUS;
    if (this.hasException) return CODE_EXCEPTION;
    if (keepHttp5xx && (this.#numberAt(SLOT_HTTP_STATUS) >= 500 || this.#numberAt(SLOT_HTTP_STATUS_OLD) >= 500)) {
      return CODE_HTTP_5XX;
    }
    if (keepGrpcErrors && this.#has(SLOT_GRPC_STATUS)) {
      const code = this.#numberAt(SLOT_GRPC_STATUS);
      if (code !== 0 && code === code) return CODE_GRPC;
    }
    return 0;
  }

  /**
   * An int, double or numeric-string attribute as a number; NaN when absent or not numeric. Read
   * on the bytes: every span of a trace without an error yet is asked for its status codes, and
   * a decoded AnyValue (a BigInt for an int) per span was garbage the young generation had to
   * sweep. Values of other kinds, or repeated value fields, take the decoder.
   */
  #numberAt(slot: number): number {
    const start = this.#slotStart[slot];
    if (start < 0) return NaN;
    const end = this.#slotEnd[slot];
    if (end === start) return NaN; // an empty AnyValue
    const r = this.r;
    const u8 = r.u8;
    if (u8[start] === TAG_INT_VALUE && end - start <= 7) {
      // An int of up to six varint bytes alone in its AnyValue (a status code): read here. Below 2^42, exact and positive.
      let v = 0;
      let scale = 1;
      for (let i = start + 1; i < end; i++) {
        const b = u8[i];
        v += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) {
          if (i + 1 === end) return v;
          break;
        }
      }
    }
    const save = r.pos;
    r.pos = start;
    let n = NaN;
    const t = r.tag(end);
    if (t === TAG_INT_VALUE) {
      const at = r.pos;
      // Up to six varint bytes is below 2^42: exact as a double, and positive.
      let v = 0;
      let scale = 1;
      let i = at;
      for (; i < end && i < at + 6; i++) {
        const b = u8[i];
        v += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) break;
      }
      if (i < end && i < at + 6) {
        n = v;
        r.pos = i + 1;
      } else {
        r.pos = at;
        n = Number(BigInt.asIntN(64, r.varint64(end)));
      }
    } else if (t === TAG_DOUBLE_VALUE) {
      n = r.double(end);
    } else if (t === TAG_STRING_VALUE) {
      n = Number(r.string(end));
    } else if (t === TAG_BOOL_VALUE) {
      r.varint32(end);
    } else {
      r.pos = end; // another kind: the decoder below
    }
    const alone = r.pos === end;
    r.pos = save;
    if (alone) return n;
    const v = this.value(slot)!;
    return v.stringValue !== undefined ? Number(v.stringValue) : numberOf(v);
  }
}

function eventIsException(r: ProtoReader, end: number): boolean {
  const u8 = r.u8;
  const stop = r.nextField(TAG_EVENT_NAME, end);
  if (stop < 0) return false;
  const start = r.pos;
  r.pos = stop;
  if (stop - start !== EXCEPTION.length) return false;
  for (let i = start; i < stop; i++) if (u8[i] !== EXCEPTION[i - start]) return false;
  return true;
}

function statusCodeOf(r: ProtoReader, end: number): number {
  let code = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 24) code = r.varint32(end) | 0;
    else r.skip(t, end);
  }
  return code;
}
