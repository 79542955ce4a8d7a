import { crc32 } from 'node:zlib';

// On-disk layout (all integers little-endian):
//
// segment header (16 bytes): magic "SLQW" | u16 version | u16 reserved | u64 first record id
// record:                    u32 body length | u32 crc32(body) | body
// body:                      u64 id | f64 enqueuedAt (ms since epoch) | u32 items | u16 tenant length
//                            | tenant (UTF-8) | payload
//
// The checksum covers the id, so a record copied to the wrong place, or a stale record read
// back from a recycled block, fails the check as surely as a flipped bit does.

export const SEGMENT_MAGIC = 0x57514c53; // "SLQW" read as a little-endian u32
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 8;
export const BODY_FIXED_BYTES = 22;
/** A length field beyond this is damage, not data; it also bounds what a resync will believe. */
export const MAX_BODY_BYTES = 0x7fff_ffff;
export const MAX_TENANT_BYTES = 0xffff;

const TWO_POW_32 = 2 ** 32;

export interface DecodedRecord {
  id: number;
  enqueuedAt: number;
  items: number;
  tenant: string | undefined;
  /** A view into the buffer that was decoded; copy it to keep it past the buffer's life. */
  payload: Uint8Array;
  /** Bytes the record occupies on disk, header included. */
  size: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function encodeSegmentHeader(firstId: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  header.writeUInt32LE(SEGMENT_MAGIC, 0);
  header.writeUInt16LE(SEGMENT_VERSION, 4);
  writeU64(header, 8, firstId);
  return header;
}

/** Whether `buf` starts with a segment header of a version this code reads. */
export function isSegmentHeader(buf: Buffer): boolean {
  return buf.length >= SEGMENT_HEADER_BYTES && buf.readUInt32LE(0) === SEGMENT_MAGIC && buf.readUInt16LE(4) === SEGMENT_VERSION;
}

export function encodedTenant(tenant: string | undefined): Uint8Array | undefined {
  if (tenant === undefined || tenant.length === 0) return undefined;
  const bytes = utf8.encode(tenant);
  if (bytes.length > MAX_TENANT_BYTES) throw new RangeError(`tenant is ${bytes.length} bytes; at most ${MAX_TENANT_BYTES} fit a record`);
  return bytes;
}

export function encodedRecordSize(payloadBytes: number, tenantBytes: number): number {
  return RECORD_HEADER_BYTES + BODY_FIXED_BYTES + tenantBytes + payloadBytes;
}

/** One allocation and one payload copy per record: the buffer is written as is and doubles as the cache. */
export function encodeRecord(id: number, enqueuedAt: number, items: number, tenant: Uint8Array | undefined, payload: Uint8Array): Buffer {
  const tenantBytes = tenant === undefined ? 0 : tenant.length;
  const bodyLength = BODY_FIXED_BYTES + tenantBytes + payload.length;
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyLength);
  buf.writeUInt32LE(bodyLength, 0);
  writeU64(buf, 8, id);
  buf.writeDoubleLE(enqueuedAt, 16);
  buf.writeUInt32LE(items, 24);
  buf.writeUInt16LE(tenantBytes, 28);
  let offset = RECORD_HEADER_BYTES + BODY_FIXED_BYTES;
  if (tenant !== undefined) {
    buf.set(tenant, offset);
    offset += tenantBytes;
  }
  buf.set(payload, offset);
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_HEADER_BYTES)), 4);
  return buf;
}

/** Where the payload starts inside an encoded record. */
export function payloadOffset(encoded: Buffer): number {
  return RECORD_HEADER_BYTES + BODY_FIXED_BYTES + encoded.readUInt16LE(28);
}

/**
 * Decodes the record at `offset`, or returns undefined when the bytes there are not a whole,
 * intact record (too short, implausible length, or checksum mismatch).
 */
export function decodeRecordAt(buf: Buffer, offset: number): DecodedRecord | undefined {
  if (offset + RECORD_HEADER_BYTES + BODY_FIXED_BYTES > buf.length) return undefined;
  const bodyLength = buf.readUInt32LE(offset);
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES) return undefined;
  const end = offset + RECORD_HEADER_BYTES + bodyLength;
  if (end > buf.length) return undefined;
  const bodyStart = offset + RECORD_HEADER_BYTES;
  const tenantBytes = buf.readUInt16LE(bodyStart + 20);
  if (BODY_FIXED_BYTES + tenantBytes > bodyLength) return undefined;
  if (crc32(buf.subarray(bodyStart, end)) !== buf.readUInt32LE(offset + 4)) return undefined;
  const tenantStart = bodyStart + BODY_FIXED_BYTES;
  return {
    id: readU64(buf, bodyStart),
    enqueuedAt: buf.readDoubleLE(bodyStart + 8),
    items: buf.readUInt32LE(bodyStart + 16),
    tenant: tenantBytes === 0 ? undefined : utf8Decoder.decode(buf.subarray(tenantStart, tenantStart + tenantBytes)),
    payload: buf.subarray(tenantStart + tenantBytes, end),
    size: RECORD_HEADER_BYTES + bodyLength,
  };
}

/** The id field of a would-be record at `offset`, without checking anything else; for resync. */
export function peekRecordId(buf: Buffer, offset: number): number {
  return readU64(buf, offset + RECORD_HEADER_BYTES);
}

export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 4) * TWO_POW_32 + buf.readUInt32LE(offset);
}

function writeU64(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value % TWO_POW_32, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}
