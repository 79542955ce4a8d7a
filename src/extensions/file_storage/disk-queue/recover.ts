import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { unackedPredicate, checkpointIdCeiling } from './checkpoint.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { WalFileOpener } from './fs-util.ts';
import type { QueueEntry } from './queue-entry.ts';
import { SEGMENT_HEADER_BYTES, isSegmentHeader } from './record-codec.ts';
import { Segment, parseSegmentFileName, segmentFileName } from './segment.ts';
import { scanSegment } from './segment-scan.ts';

export interface Recovery {
  /** Segments still holding unresolved records, oldest first; the last may be `active`. */
  segments: Segment[];
  /** The segment to append to, when the newest one on disk is intact and has room. */
  active: Segment | undefined;
  /** Unresolved records in id order, payloads left on disk. */
  entries: QueueEntry[];
  corruptedRecords: number;
  nextId: number;
}

/**
 * Rebuilds the queue from the directory: validates every record, drops what the checkpoint says
 * was resolved, deletes segments left with nothing to deliver, and cuts a torn tail off the
 * newest segment so appends continue on a clean record boundary.
 */
export async function recover(directory: string, checkpoint: Checkpoint, openFile: WalFileOpener, segmentBytes: number): Promise<Recovery> {
  const isUnacked = unackedPredicate(checkpoint);
  const firstIds = (await readdir(directory))
    .map(parseSegmentFileName)
    .filter((id): id is number => id !== undefined)
    .sort((a, b) => a - b);

  const segments: Segment[] = [];
  const entries: QueueEntry[] = [];
  let active: Segment | undefined;
  let corruptedRecords = 0;
  let nextId = checkpointIdCeiling(checkpoint);

  for (let index = 0; index < firstIds.length; index++) {
    const firstId = firstIds[index];
    const newest = index === firstIds.length - 1;
    const path = join(directory, segmentFileName(firstId));
    const bytes = await readFile(path);
    nextId = Math.max(nextId, firstId);
    const headerIntact = isSegmentHeader(bytes);
    // A crash between creating a segment and writing its header leaves a file with nothing in it.
    if (!headerIntact && bytes.length <= SEGMENT_HEADER_BYTES) {
      await unlink(path);
      continue;
    }
    const scan = scanSegment(bytes, firstId, isUnacked);
    corruptedRecords += scan.damagedRecords + scan.tornTail;
    const last = scan.records[scan.records.length - 1];
    if (last !== undefined) nextId = Math.max(nextId, last.id + 1);

    const appendable = newest && headerIntact && scan.validEnd < segmentBytes;
    const live = scan.records.filter((record) => isUnacked(record.id));
    if (live.length === 0 && !appendable) {
      await unlink(path);
      continue;
    }
    const file = await openFile(path, 'r+');
    // Cutting the damaged tail off keeps the next open from counting the same damage again.
    if (scan.tornTail === 1) {
      await file.truncate(scan.validEnd);
      await file.datasync();
    }
    const segment = new Segment(directory, firstId, file, scan.validEnd);
    for (const record of live) {
      segment.holdReplayed();
      entries.push({
        id: record.id,
        segment,
        offset: record.offset,
        size: record.size,
        items: record.items,
        tenant: record.tenant,
        enqueuedAt: record.enqueuedAt,
        payload: undefined,
        inFlight: false,
      });
    }
    if (appendable) active = segment;
    else segment.seal();
    segments.push(segment);
  }
  return { segments, active, entries, corruptedRecords, nextId };
}
