import {
  BODY_FIXED_BYTES,
  MAX_BODY_BYTES,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  decodeRecordAt,
  isSegmentHeader,
  peekRecordId,
} from './record-codec.ts';
import type { DecodedRecord } from './record-codec.ts';

/** How far ahead of the last good id a resync will believe an id field. */
const RESYNC_ID_WINDOW = 1 << 20;

export interface ScannedRecord extends DecodedRecord {
  offset: number;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** Byte offset just past the last intact record: where appends may continue. */
  validEnd: number;
  /** Damaged regions between intact records (count of ids missing across each, at least 1). */
  damagedRecords: number;
  /** 1 when bytes after the last intact record are not a record (a torn or garbled tail), else 0. */
  tornTail: number;
}

/**
 * Validates every record of one segment. On damage it does not give up on the segment: it
 * searches forward for the next offset holding a checksum-valid record with a plausible,
 * increasing id, so one flipped byte costs one record, not the 16 MiB after it.
 *
 * `isUnacked(id)` lets a damaged region count only the ids that were still owed to a consumer.
 */
export function scanSegment(buf: Buffer, firstId: number, isUnacked: (id: number) => boolean): SegmentScan {
  const records: ScannedRecord[] = [];
  let damagedRecords = 0;
  let lastId = firstId - 1;
  let offset = SEGMENT_HEADER_BYTES;
  let validEnd = SEGMENT_HEADER_BYTES;
  // A damaged header is one more damaged region: resync finds the first record.
  let damaged = !isSegmentHeader(buf);

  while (offset < buf.length) {
    const record = damaged ? undefined : decodeRecordAt(buf, offset);
    if (record !== undefined && record.id > lastId) {
      records.push({ ...record, offset });
      lastId = record.id;
      offset += record.size;
      validEnd = offset;
      continue;
    }
    // After a bad header the first record may well be intact; after a bad record, look past it.
    const next = resync(buf, damaged ? offset : offset + 1, lastId);
    if (next === undefined) break;
    const nextId = peekRecordId(buf, next);
    damagedRecords += Math.max(1, countUnacked(lastId + 1, nextId, isUnacked));
    offset = next;
    damaged = false;
  }
  const tornTail = validEnd < buf.length ? 1 : 0;
  return { records, validEnd, damagedRecords, tornTail };
}

function resync(buf: Buffer, from: number, lastId: number): number | undefined {
  const lastStart = buf.length - RECORD_HEADER_BYTES - BODY_FIXED_BYTES;
  for (let offset = from; offset <= lastStart; offset++) {
    const bodyLength = buf.readUInt32LE(offset);
    if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_BODY_BYTES) continue;
    if (offset + RECORD_HEADER_BYTES + bodyLength > buf.length) continue;
    const id = peekRecordId(buf, offset);
    if (id <= lastId || id > lastId + RESYNC_ID_WINDOW) continue;
    if (decodeRecordAt(buf, offset) !== undefined) return offset;
  }
  return undefined;
}

function countUnacked(fromId: number, toIdExclusive: number, isUnacked: (id: number) => boolean): number {
  let count = 0;
  for (let id = fromId; id < toIdExclusive; id++) if (isUnacked(id)) count++;
  return count;
}
