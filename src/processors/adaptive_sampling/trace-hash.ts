// Trace identity. The sampler's randomness comes from the trace id too (otlp/sampling-threshold.ts: its low 56
// bits, or the `rv` tracestate value), never from Math.random, so instances and late spans agree.

/**
 * A compact map key for a trace id: one Latin-1 character per byte (16 chars for a valid id),
 * half the size of hex and cheaper to build.
 */
export function traceKey(traceId: Uint8Array): string {
  return traceKeyAt(traceId, 0, traceId.length);
}

/** traceKey of the id at u8[start, start + length), without a view of it. */
export function traceKeyAt(u8: Uint8Array, start: number, length: number): string {
  if (length === 16) {
    return String.fromCharCode(
      u8[start], u8[start + 1], u8[start + 2], u8[start + 3], u8[start + 4], u8[start + 5], u8[start + 6], u8[start + 7],
      u8[start + 8], u8[start + 9], u8[start + 10], u8[start + 11], u8[start + 12], u8[start + 13], u8[start + 14], u8[start + 15],
    );
  }
  let key = '';
  for (let i = 0; i < length; i++) key += String.fromCharCode(u8[start + i]);
  return key;
}

/** Hex form of a trace key, for logs and tests. */
export function traceKeyToHex(key: string): string {
  let hex = '';
  for (let i = 0; i < key.length; i++) hex += key.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}
