import type { Resource, Signal } from '../types.ts';
import { decodeResource, resourceSize, writeResource } from './common.ts';
import { copyRanges, entryResourceBytes, fieldRangesExcept, rangesSize, RESOURCE_TAG } from './fields.ts';
import { encodeMessage } from './encode.ts';
import { ProtoReader } from './reader.ts';
import { TAG } from './schema.ts';
import { lenField, writeVarint } from './writer.ts';

/** The tag of the request's Resource*-entries: the same in the three Export*ServiceRequests. */
const ENTRY_TAG = TAG.ExportTraceServiceRequest.resourceSpans;

/** One changed Resource*-entry: its byte range in the input and its replacement parts. */
interface EntryEdit {
  start: number; // first byte of the entry's tag
  end: number;
  resource: Uint8Array; // encoded Resource body
  kept: number[]; // start/end pairs of the entry's other fields, copied verbatim
  bodySize: number;
}

/**
 * Edits the `resource` of every top-level ResourceSpans/ResourceMetrics/ResourceLogs entry without
 * touching anything else: only each entry's resource is decoded, only changed resources are
 * re-encoded, and every other byte range (scopes, spans, points, records, unknown fields) is copied
 * verbatim. `edit` gets the decoded resource (an empty one when the entry has none) and returns a
 * replacement, or undefined to leave the entry as it is. Returns the input itself when nothing
 * changed. The three signals share this layout (resource = field 1 of each entry), so `signal`
 * only documents intent.
 */
export function rewriteResources(
  signal: Signal,
  bytes: Uint8Array,
  edit: (resource: Resource) => Resource | undefined,
): Uint8Array {
  return rewriteResourceBytes(signal, bytes, (encoded) => {
    const replacement = edit(decodeResource(new ProtoReader(encoded), encoded.length));
    return replacement === undefined ? undefined : encodeMessage(replacement, resourceSize, writeResource);
  });
}

/**
 * rewriteResources on the encoded resources: `edit` gets each entry's Resource as bytes (empty
 * when the entry has none; it must not keep them, they are a view of `bytes`) and returns the
 * replacement's encoding, or undefined to leave the entry as it is. For an editor that can answer
 * a resource it has seen before without decoding or encoding it again.
 */
export function rewriteResourceBytes(
  _signal: Signal,
  bytes: Uint8Array,
  edit: (resource: Uint8Array) => Uint8Array | undefined,
): Uint8Array {
  const r = new ProtoReader(bytes);
  const total = bytes.length;
  const edits: EntryEdit[] = [];
  let outSize = total;
  while (r.pos < total) {
    const entryStart = r.pos;
    const t = r.tag(total);
    if (t !== ENTRY_TAG) {
      r.skip(t, total);
      continue;
    }
    const entryEnd = r.sub(total);
    const entryEdit = editEntry(r, entryStart, entryEnd, edit);
    r.pos = entryEnd;
    if (entryEdit === undefined) continue;
    edits.push(entryEdit);
    outSize += lenField(entryEdit.bodySize) - (entryEnd - entryStart);
  }
  if (edits.length === 0) return bytes;
  return assemble(bytes, edits, outSize);
}

function editEntry(
  r: ProtoReader,
  entryStart: number,
  entryEnd: number,
  edit: (resource: Uint8Array) => Uint8Array | undefined,
): EntryEdit | undefined {
  const bodyStart = r.pos;
  const resource = edit(entryResourceBytes(r, bodyStart, entryEnd));
  if (resource === undefined) return undefined;
  // The other fields (scopes and their items: nearly all the bytes) are copied once, by range,
  // when the output is assembled.
  const kept = fieldRangesExcept(r, bodyStart, entryEnd, RESOURCE_TAG);
  return { start: entryStart, end: entryEnd, resource, kept, bodySize: lenField(resource.length) + rangesSize(kept) };
}

/**
 * A Uint8Array that is not zero-filled first, for output whose every byte is written: a request's
 * size (tens of KiB) is memset for nothing otherwise. Small ones stay plain (allocUnsafe would
 * place them in Node's shared pool).
 */
function uninitialized(size: number): Uint8Array {
  if (size < 4096) return new Uint8Array(size);
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}

function assemble(bytes: Uint8Array, edits: EntryEdit[], outSize: number): Uint8Array {
  const out = uninitialized(outSize);
  let pos = 0;
  let copied = 0;
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i];
    out.set(bytes.subarray(copied, e.start), pos);
    pos += e.start - copied;
    out[pos++] = ENTRY_TAG;
    pos = writeVarint(out, pos, e.bodySize);
    out[pos++] = RESOURCE_TAG;
    pos = writeVarint(out, pos, e.resource.length);
    out.set(e.resource, pos);
    pos += e.resource.length;
    pos = copyRanges(bytes, e.kept, out, pos);
    copied = e.end;
  }
  out.set(bytes.subarray(copied), pos);
  pos += bytes.length - copied;
  if (pos !== outSize) throw new Error(`rewriteResources bug: wrote ${pos} bytes, sized ${outSize}`);
  return out;
}
