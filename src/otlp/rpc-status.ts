import type { RefusalKind } from '../core/errors.ts';

// How a refusal reads on each transport, per the OTLP specification's failure semantics:
// retryable refusals are 429/503 + Retry-After over HTTP, and UNAVAILABLE or RESOURCE_EXHAUSTED
// with RetryInfo over gRPC.

export const HTTP_STATUS: Record<RefusalKind, number> = {
  overloaded: 503,
  quota: 429,
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  internal: 500,
};

/** gRPC status codes by number, so that the HTTP side, which also encodes them, never loads grpc-js. */
export const GRPC_CODE: Record<RefusalKind, number> = {
  overloaded: 14, // UNAVAILABLE
  quota: 8, // RESOURCE_EXHAUSTED
  invalid: 3, // INVALID_ARGUMENT
  unauthenticated: 16, // UNAUTHENTICATED
  forbidden: 7, // PERMISSION_DENIED
  internal: 13, // INTERNAL
};

// google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
// google.protobuf.Any { string type_url = 1; bytes value = 2; }
// google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }
// google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

function varint(value: number, out: number[]): void {
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function lengthDelimited(field: number, payload: Uint8Array | number[], out: number[]): void {
  out.push((field << 3) | 2);
  varint(payload.length, out);
  for (let i = 0; i < payload.length; i++) out.push(payload[i]);
}

function retryInfo(retryAfterMs: number): number[] {
  const duration: number[] = [];
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = Math.round((retryAfterMs % 1000) * 1e6);
  if (seconds > 0) {
    duration.push(1 << 3);
    varint(seconds, duration);
  }
  if (nanos > 0) {
    duration.push(2 << 3);
    varint(nanos, duration);
  }
  const info: number[] = [];
  lengthDelimited(1, duration, info);
  return info;
}

/** google.rpc.Status bytes; with a RetryInfo detail when a delay is given (for grpc-status-details-bin). */
export function encodeRpcStatus(code: number, message: string, retryAfterMs?: number): Buffer {
  const out: number[] = [];
  if (code !== 0) {
    out.push(1 << 3);
    varint(code, out);
  }
  if (message !== '') lengthDelimited(2, Buffer.from(message, 'utf8'), out);
  if (retryAfterMs !== undefined) {
    const any: number[] = [];
    lengthDelimited(1, Buffer.from(RETRY_INFO_TYPE_URL), any);
    lengthDelimited(2, retryInfo(retryAfterMs), any);
    lengthDelimited(3, any, out);
  }
  return Buffer.from(out);
}

/** Reads the RetryInfo delay out of a google.rpc.Status, if present (the otlp exporter honours it). */
export function decodeRetryInfoDelay(statusBytes: Uint8Array): number | undefined {
  const fields = readFields(statusBytes);
  for (const detail of fields.get(3) ?? []) {
    const any = readFields(detail as Uint8Array);
    const typeUrl = Buffer.from((any.get(1)?.[0] as Uint8Array) ?? []).toString();
    if (typeUrl !== RETRY_INFO_TYPE_URL) continue;
    const info = readFields((any.get(2)?.[0] as Uint8Array) ?? new Uint8Array());
    const duration = readFields((info.get(1)?.[0] as Uint8Array) ?? new Uint8Array());
    const seconds = Number(duration.get(1)?.[0] ?? 0);
    const nanos = Number(duration.get(2)?.[0] ?? 0);
    return seconds * 1000 + nanos / 1e6;
  }
  return undefined;
}

/** A minimal reader for the small google.rpc messages above (varint and length-delimited only). */
function readFields(bytes: Uint8Array): Map<number, Array<number | Uint8Array>> {
  const fields = new Map<number, Array<number | Uint8Array>>();
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated');
      const byte = bytes[pos++];
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
  };
  while (pos < bytes.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = readVarint();
    else if (wire === 2) {
      const length = readVarint();
      value = bytes.subarray(pos, pos + length);
      pos += length;
    } else if (wire === 1) {
      pos += 8;
      continue;
    } else if (wire === 5) {
      pos += 4;
      continue;
    } else throw new Error(`unsupported wire type ${wire}`);
    let list = fields.get(field);
    if (list === undefined) fields.set(field, (list = []));
    list.push(value);
  }
  return fields;
}
