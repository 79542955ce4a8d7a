import type { Span } from '../types.ts';
import { encodeMessage } from './encode.ts';
import { ProtoReader } from './reader.ts';
import { decodeSpanBody, spanSize, writeSpan } from './trace.ts';

/** One Span message on its own, e.g. for buffering spans as bytes in a sampler. */
export function encodeSpan(span: Span): Uint8Array {
  return encodeMessage(span, spanSize, writeSpan);
}

/** Decodes one Span message; throws OtlpDecodeError like the request decoders. */
export function decodeSpan(bytes: Uint8Array): Span {
  const r = new ProtoReader(bytes);
  return decodeSpanBody(r, bytes.length, 0);
}
