// Export*ServiceResponse and its partial_success. The three signals share field numbers (the
// schema table's ExportServiceResponse and ExportPartialSuccess), so the bytes do not depend on
// the signal.
import type { Signal } from '../types.ts';
import { ProtoReader } from './reader.ts';
import { knownFields, TAG } from './schema.ts';
import { varint64Size, varintSize } from './writer.ts';
import { encodeMessage } from './encode.ts';
import type { ProtoWriter } from './writer.ts';

const EMPTY = new Uint8Array(0);
const RESPONSE = TAG.ExportServiceResponse;
const PARTIAL = TAG.ExportPartialSuccess;
const RESPONSE_FIELDS = knownFields('ExportServiceResponse');
const PARTIAL_FIELDS = knownFields('ExportPartialSuccess');

interface Partial {
  rejected: bigint;
  errorMessage: string;
}

function partialBodySize(w: ProtoWriter, p: Partial): number {
  let n = 0;
  if (p.rejected !== 0n) n += 1 + varint64Size(p.rejected);
  if (p.errorMessage !== '') n += 1 + w.stringSize(p.errorMessage);
  return n;
}

function responseSize(w: ProtoWriter, p: Partial): number {
  const slot = w.reserve();
  const b = partialBodySize(w, p);
  w.setSize(slot, b);
  return 1 + varintSize(b) + b;
}

function writeResponse(w: ProtoWriter, p: Partial): void {
  w.messageHeader(RESPONSE.partialSuccess);
  if (p.rejected !== 0n) {
    w.byte(PARTIAL.rejected);
    w.varint64(p.rejected);
  }
  if (p.errorMessage !== '') {
    w.byte(PARTIAL.errorMessage);
    w.string(p.errorMessage);
  }
}

/** Empty bytes for full success; otherwise a partial_success naming the rejected count. */
export function encodeExportResponse(_signal: Signal, rejected: number, errorMessage: string): Uint8Array {
  if (rejected === 0 && errorMessage === '') return EMPTY;
  return encodeMessage({ rejected: BigInt(rejected), errorMessage }, responseSize, writeResponse);
}

export function decodeExportResponse(bytes: Uint8Array): { rejected: number; errorMessage: string } {
  const r = new ProtoReader(bytes);
  const end = bytes.length;
  let rejected = 0;
  let errorMessage = '';
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === RESPONSE.partialSuccess) {
      const stop = r.sub(end);
      while (r.pos < stop) {
        const pt = r.tag(stop);
        if (pt === PARTIAL.rejected) rejected = Number(BigInt.asIntN(64, r.varint64(stop)));
        else if (pt === PARTIAL.errorMessage) errorMessage = r.string(stop);
        else r.unknown(pt, stop, PARTIAL_FIELDS, 'ExportPartialSuccess');
      }
    } else r.unknown(t, end, RESPONSE_FIELDS, 'ExportServiceResponse');
  }
  return { rejected, errorMessage };
}
