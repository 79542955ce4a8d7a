import { fastBuffer, type FastBuffer } from './node-buffer.ts';

/**
 * Two-pass protobuf writing. Pass 1 (size*) walks the message tree once and records, in
 * pre-order, the body length of every nested message and the UTF-8 length of every string.
 * Pass 2 (write*) walks the tree in the same order, reading those lengths back, and writes into
 * one buffer allocated at the exact final size. Both passes must visit fields identically.
 */
export class ProtoWriter {
  sizes: Int32Array = new Int32Array(1024);
  count = 0;
  next = 0;
  u8: Uint8Array = new Uint8Array(0);
  buf: FastBuffer = fastBuffer(this.u8);
  view: DataView = new DataView(this.u8.buffer);
  pos = 0;

  reset(): void {
    this.count = 0;
    this.next = 0;
  }

  /** Pass 1: a slot for a length known only after the children are sized. */
  reserve(): number {
    if (this.count === this.sizes.length) {
      const grown = new Int32Array(this.sizes.length * 2);
      grown.set(this.sizes);
      this.sizes = grown;
    }
    return this.count++;
  }

  setSize(slot: number, size: number): void {
    this.sizes[slot] = size;
  }

  /** Pass 1: records a string's UTF-8 length and returns the field size (tag excluded). */
  stringSize(s: string): number {
    const n = s.length === 0 ? 0 : Buffer.byteLength(s, 'utf8');
    this.setSize(this.reserve(), n);
    return varintSize(n) + n;
  }

  /** Pass 2 begins: one allocation of the final size. */
  alloc(total: number): void {
    this.u8 = new Uint8Array(total);
    this.buf = fastBuffer(this.u8);
    this.view = new DataView(this.u8.buffer, 0, total);
    this.pos = 0;
    this.next = 0;
  }

  /**
   * Pass 2 into a buffer the caller owns: messages sized one after another (without a reset
   * between them) are written one after another into it, each from `pos`, which the caller sets.
   */
  writeInto(u8: Uint8Array): void {
    this.u8 = u8;
    this.buf = fastBuffer(u8);
    this.view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.pos = 0;
    this.next = 0;
  }

  /** Pass 2 ends: the buffer is handed over so the next encode cannot overwrite it. */
  finish(): Uint8Array {
    const out = this.u8;
    this.u8 = new Uint8Array(0);
    this.buf = fastBuffer(this.u8);
    return out;
  }

  nextSize(): number {
    return this.sizes[this.next++];
  }

  byte(b: number): void {
    this.u8[this.pos++] = b;
  }

  varint(v: number): void {
    this.pos = writeVarint(this.u8, this.pos, v);
  }

  /** int32 enums: negative values are sign-extended to 10 bytes, as protobuf requires. */
  int32(v: number): void {
    if (v >= 0) this.varint(v);
    else this.varint64Parts(v >>> 0, 0xffffffff);
  }

  sint32(v: number): void {
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varint64Parts(lo: number, hi: number): void {
    const u8 = this.u8;
    let pos = this.pos;
    while (hi !== 0 || lo > 127) {
      u8[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    u8[pos++] = lo;
    this.pos = pos;
  }

  /** int64/uint64 varint from a bigint (negative int64 takes 10 bytes). */
  varint64(v: bigint): void {
    if (v >= 0n && v < 0x100000000n) {
      this.varint(Number(v));
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.varint64Parts(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  fixed32(v: number): void {
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  fixed64(v: bigint): void {
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.u8.set(b, this.pos);
    this.pos += b.length;
  }

  /** Copies a byte range of another buffer verbatim (kept bytes, as in the sampler's output). */
  raw(src: Uint8Array, start: number, end: number): void {
    this.u8.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  string(s: string): void {
    const n = this.sizes[this.next++];
    this.varint(n);
    if (n === 0) return;
    const len = s.length;
    if (n === len) {
      if (len <= 32) {
        const u8 = this.u8;
        let pos = this.pos;
        for (let i = 0; i < len; i++) u8[pos++] = s.charCodeAt(i);
        this.pos = pos;
      } else {
        this.pos += this.buf.latin1Write(s, this.pos, n);
      }
    } else {
      this.pos += this.buf.utf8Write(s, this.pos, n);
    }
  }

  /** Writes a nested message's tag and the length recorded for it in pass 1. */
  messageHeader(tag: number): void {
    this.tag(tag);
    this.varint(this.sizes[this.next++]);
  }

  tag(tag: number): void {
    if (tag < 128) this.u8[this.pos++] = tag;
    else this.varint(tag);
  }
}

/** Writes v (uint32) as a varint at out[pos]; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, v: number): number {
  v >>>= 0;
  while (v > 127) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

export function varintSize(v: number): number {
  v >>>= 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

export function int32Size(v: number): number {
  return v < 0 ? 10 : varintSize(v);
}

export function sint32Size(v: number): number {
  return varintSize(((v << 1) ^ (v >> 31)) >>> 0);
}

export function varint64Size(v: bigint): number {
  if (v >= 0n && v < 0x100000000n) return varintSize(Number(v));
  let u = BigInt.asUintN(64, v);
  let n = 1;
  while (u > 127n) {
    u >>= 7n;
    n++;
  }
  return n;
}

/** Field size of a length-delimited value with a body of `n` bytes and a one-byte tag. */
export function lenField(n: number): number {
  return 1 + varintSize(n) + n;
}
