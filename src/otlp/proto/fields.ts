import type { Resource } from '../types.ts';
import { decodeResource } from './common.ts';
import { ProtoReader } from './reader.ts';
import { TAG } from './schema.ts';

// Byte-level pieces for code that edits or re-frames messages without decoding them
// (rewriteResources, the adaptive sampler).

/** The tag of a Resource*-entry's resource: the same in ResourceSpans, ResourceMetrics and ResourceLogs. */
export const RESOURCE_TAG = TAG.ResourceSpans.resource;

/**
 * The byte ranges of the fields of the message at [start, end) other than those with tag
 * `except`, in order, as start/end pairs; adjacent fields share one range.
 */
export function fieldRangesExcept(r: ProtoReader, start: number, end: number, except: number): number[] {
  const ranges: number[] = [];
  r.pos = start;
  while (r.pos < end) {
    const fieldStart = r.pos;
    const t = r.tag(end);
    r.skip(t, end);
    if (t === except) continue;
    const n = ranges.length;
    if (n > 0 && ranges[n - 1] === fieldStart) ranges[n - 1] = r.pos;
    else ranges.push(fieldStart, r.pos);
  }
  return ranges;
}

/** Total length of start/end `ranges`. */
export function rangesSize(ranges: readonly number[]): number {
  let size = 0;
  for (let i = 0; i < ranges.length; i += 2) size += ranges[i + 1] - ranges[i];
  return size;
}

/** Copies start/end `ranges` of `from` into `out` at `pos`; returns the position after them. */
export function copyRanges(from: Uint8Array, ranges: readonly number[], out: Uint8Array, pos: number): number {
  for (let i = 0; i < ranges.length; i += 2) {
    out.set(from.subarray(ranges[i], ranges[i + 1]), pos);
    pos += ranges[i + 1] - ranges[i];
  }
  return pos;
}

/** The fields of the message at [start, end) other than those with tag `except`, copied in order. */
export function fieldsExcept(r: ProtoReader, start: number, end: number, except: number): Uint8Array {
  const ranges = fieldRangesExcept(r, start, end, except);
  const out = new Uint8Array(rangesSize(ranges));
  copyRanges(r.u8, ranges, out, 0);
  return out;
}

/** Whether the fields of the message at [start, end) other than `except` are `bytes` (fieldsExcept's result), without copying them. */
export function fieldsExceptEqual(r: ProtoReader, start: number, end: number, except: number, bytes: Uint8Array): boolean {
  const u8 = r.u8;
  let at = 0;
  r.pos = start;
  while (r.pos < end) {
    const fieldStart = r.pos;
    const t = r.tag(end);
    r.skip(t, end);
    if (t === except) continue;
    const fieldEnd = r.pos;
    if (at + fieldEnd - fieldStart > bytes.length) return false;
    for (let i = fieldStart; i < fieldEnd; i++) if (u8[i] !== bytes[at++]) return false;
  }
  return at === bytes.length;
}

/**
 * The resource of the Resource*-entry at [start, end): repeated occurrences merge, as protobuf
 * merges a message field (decoding their concatenation does that); an empty one when absent.
 */
export function entryResource(r: ProtoReader, start: number, end: number): Resource {
  const bytes = entryResourceBytes(r, start, end);
  return decodeResource(new ProtoReader(bytes), bytes.length);
}

/**
 * The encoded resource of the Resource*-entry at [start, end), as entryResource reads it: repeated
 * occurrences concatenated (which protobuf merges), empty when absent. A single occurrence is a
 * view of the input, not a copy.
 */
export function entryResourceBytes(r: ProtoReader, start: number, end: number): Uint8Array {
  let resourceStart = -1;
  let resourceEnd = -1;
  let merged: Uint8Array | undefined;
  r.pos = start;
  for (let stop = r.nextField(RESOURCE_TAG, end); stop >= 0; stop = r.nextField(RESOURCE_TAG, end)) {
    if (resourceStart >= 0) merged = concat(merged ?? r.u8.subarray(resourceStart, resourceEnd), r.u8.subarray(r.pos, stop));
    resourceStart = r.pos;
    resourceEnd = stop;
    r.pos = stop;
  }
  r.pos = end;
  if (merged !== undefined) return merged;
  return resourceStart < 0 ? EMPTY : r.u8.subarray(resourceStart, resourceEnd);
}

const EMPTY = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
