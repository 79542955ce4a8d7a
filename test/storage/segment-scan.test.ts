import { expect, test } from 'vitest';
import { decodeRecordAt, encodeRecord, encodeSegmentHeader } from '../../src/extensions/file_storage/disk-queue/record-codec.ts';
import { scanSegment } from '../../src/extensions/file_storage/disk-queue/segment-scan.ts';

const everyIdUnacked = () => true;

function segmentOf(firstId: number, count: number): Buffer {
  const parts = [encodeSegmentHeader(firstId)];
  for (let i = 0; i < count; i++) parts.push(encodeRecord(firstId + i, 1000 + i, i, i % 2 ? new TextEncoder().encode('t') : undefined, Buffer.from(`payload ${i}`)));
  return Buffer.concat(parts);
}

test('encode then decode is lossless, and any flipped bit fails the checksum', () => {
  const encoded = encodeRecord(2 ** 40 + 3, 1234.5, 9, new TextEncoder().encode('acme'), Buffer.from('hello'));
  expect(decodeRecordAt(encoded, 0)).toMatchObject({ id: 2 ** 40 + 3, enqueuedAt: 1234.5, items: 9, tenant: 'acme', size: encoded.length });
  expect(Buffer.from(decodeRecordAt(encoded, 0)!.payload).toString()).toBe('hello');
  for (let byte = 4; byte < encoded.length; byte++) {
    const damaged = Buffer.from(encoded);
    damaged[byte] ^= 0x10;
    expect(decodeRecordAt(damaged, 0)).toBeUndefined();
  }
});

test('scan of an intact segment finds every record and ends at the file end', () => {
  const segment = segmentOf(100, 5);
  const scan = scanSegment(segment, 100, everyIdUnacked);
  expect(scan.records.map((r) => r.id)).toEqual([100, 101, 102, 103, 104]);
  expect(scan).toMatchObject({ validEnd: segment.length, damagedRecords: 0, tornTail: 0 });
});

test('damage counts only ids the checkpoint still owed', () => {
  const segment = segmentOf(0, 6);
  const damaged = Buffer.from(segment);
  damaged[16 + 8 + 2] ^= 1; // record 0's id
  const unackedAboveZero = (id: number) => id > 0;
  expect(scanSegment(damaged, 0, everyIdUnacked).damagedRecords).toBe(1);
  expect(scanSegment(damaged, 0, unackedAboveZero).damagedRecords).toBe(1); // still at least one: damage happened
  expect(scanSegment(damaged, 0, everyIdUnacked).records.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
});

test('a damaged header does not hide the records behind it', () => {
  const segment = segmentOf(7, 3);
  segment.fill(0, 0, 4);
  const scan = scanSegment(segment, 7, everyIdUnacked);
  expect(scan.records.map((r) => r.id)).toEqual([7, 8, 9]);
  expect(scan.damagedRecords).toBe(1);
});
