import { isUtf8 } from 'node:buffer';
import { OtlpDecodeError } from '../errors.ts';
import { fastBuffer, type FastBuffer } from './node-buffer.ts';

// Wire types (protobuf encoding spec).
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

const FLAT_CONCAT_MAX = 12;

/**
 * A cursor over one protobuf buffer. Every read takes the end of the enclosing message, so a
 * field that runs past its parent is reported as truncation instead of being read from a sibling.
 * No method allocates except the ones that return strings, bytes or bigints.
 */
export class ProtoReader {
  readonly u8: Uint8Array;
  readonly buf: FastBuffer;
  readonly view: DataView;
  pos: number;

  constructor(bytes: Uint8Array) {
    this.u8 = bytes;
    this.buf = fastBuffer(bytes);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  fail(what: string): never {
    throw new OtlpDecodeError(`${what} at byte ${this.pos}`);
  }

  /** A varint as uint32; higher bits of a 64-bit varint are discarded (proto's int32/uint32 rule). */
  varint32(end: number): number {
    const u8 = this.u8;
    let pos = this.pos;
    if (pos >= end) this.fail('truncated varint');
    let b = u8[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    let shift = 7;
    while (shift < 35) {
      if (pos >= end) this.fail('truncated varint');
      b = u8[pos++];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
      shift += 7;
    }
    // Bytes 6..10 only carry bits above 32.
    for (let i = 5; i < 10; i++) {
      if (pos >= end) this.fail('truncated varint');
      if (u8[pos++] < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    this.pos = pos;
    return this.fail('varint longer than 10 bytes');
  }

  /** A varint as an unsigned 64-bit bigint; callers apply BigInt.asIntN for int64. */
  varint64(end: number): bigint {
    const u8 = this.u8;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (pos >= end) this.fail('truncated varint');
      b = u8[pos++];
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) {
        this.pos = pos;
        return BigInt(lo >>> 0);
      }
    }
    if (pos >= end) this.fail('truncated varint');
    b = u8[pos++];
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (pos >= end) this.fail('truncated varint');
        b = u8[pos++];
        hi |= (b & 0x7f) << (i * 7 + 3);
        if (b < 0x80) break;
      }
      if (b >= 0x80) {
        this.pos = pos;
        this.fail('varint longer than 10 bytes');
      }
    }
    this.pos = pos;
    hi >>>= 0;
    lo >>>= 0;
    if (hi < 0x200000) return BigInt(hi * 4294967296 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A length prefix, checked against the end of the enclosing message. */
  length(end: number): number {
    const start = this.pos;
    const n = this.varint32(end);
    if (this.pos - start > 5 || n > end - this.pos) {
      this.pos = start;
      this.fail(`length ${n} runs past the end of its message`);
    }
    return n;
  }

  /** Reads a length prefix and returns the absolute end of the nested message it announces. */
  sub(end: number): number {
    const n = this.length(end);
    return this.pos + n;
  }

  /**
   * Skips to the next length-delimited field with `tag` before `end`: returns the end of its body,
   * with pos at the body's start, or -1 when there is none left.
   */
  nextField(tag: number, end: number): number {
    while (this.pos < end) {
      const t = this.tag(end);
      if (t === tag) return this.sub(end);
      this.skip(t, end);
    }
    return -1;
  }

  fixed32(end: number): number {
    if (end - this.pos < 4) this.fail('truncated fixed32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  fixed64(end: number): bigint {
    if (end - this.pos < 8) this.fail('truncated fixed64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  sfixed64(end: number): bigint {
    if (end - this.pos < 8) this.fail('truncated fixed64');
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  double(end: number): number {
    if (end - this.pos < 8) this.fail('truncated double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A copy, so decoded objects never pin the request buffer in memory. */
  bytes(end: number): Uint8Array {
    const n = this.length(end);
    if (n === 0) return EMPTY_BYTES;
    const start = this.pos;
    this.pos = start + n;
    return this.u8.slice(start, start + n);
  }

  string(end: number): string {
    const n = this.length(end);
    const start = this.pos;
    const stop = start + n;
    this.pos = stop;
    return this.decodeUtf8(start, stop);
  }

  decodeUtf8(start: number, stop: number): string {
    const u8 = this.u8;
    // V8 keeps a concatenation shorter than 13 characters flat; longer ones become chains of
    // pieces that every later reader (hashing, comparing) must first join, so they are sliced.
    if (stop - start <= FLAT_CONCAT_MAX) {
      let s = '';
      for (let i = start; i < stop; i++) {
        const c = u8[i];
        if (c >= 0x80) return this.decodeNonAscii(start, stop);
        s += String.fromCharCode(c);
      }
      return s;
    }
    for (let i = start; i < stop; i++) {
      if (u8[i] >= 0x80) return this.decodeNonAscii(start, stop);
    }
    return this.buf.latin1Slice(start, stop);
  }

  private decodeNonAscii(start: number, stop: number): string {
    if (!isUtf8(this.u8.subarray(start, stop))) {
      this.pos = start;
      this.fail('invalid UTF-8 in string field');
    }
    return this.buf.utf8Slice(start, stop);
  }

  /** Skips one field's value; rejects wire types that cannot appear in OTLP (groups, 6, 7). */
  skip(tag: number, end: number): void {
    switch (tag & 7) {
      case VARINT:
        this.varint32(end);
        return;
      case FIXED64:
        if (end - this.pos < 8) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case LEN: {
        const n = this.length(end); // read before adding: `pos += length()` would use the old pos
        this.pos += n;
        return;
      }
      case FIXED32:
        if (end - this.pos < 4) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`field ${tag >>> 3} has unsupported wire type ${tag & 7}`);
    }
  }

  /**
   * Reads the next tag. Field number 0 is invalid in every message.
   */
  tag(end: number): number {
    const t = this.varint32(end);
    if (t < 8) this.fail(`invalid field number 0 (tag ${t})`);
    return t;
  }

  /** Unknown fields are skipped; a known field with the wrong wire type is an error. */
  unknown(tag: number, end: number, knownFields: number, message: string): void {
    const field = tag >>> 3;
    if (field < 32 && (knownFields & (1 << field)) !== 0) {
      this.fail(`${message} field ${field} has wrong wire type ${tag & 7}`);
    }
    this.skip(tag, end);
  }
}

export function checkId(r: ProtoReader, id: Uint8Array, want: number, what: string, where: string): void {
  if (id.length !== 0 && id.length !== want) {
    throw new OtlpDecodeError(`${where}: ${what} has ${id.length} bytes, want ${want} (near byte ${r.pos})`);
  }
}
