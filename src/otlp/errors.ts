/**
 * Thrown for any OTLP request that cannot be decoded (protobuf or JSON). Receivers map it to
 * HTTP 400 / gRPC INVALID_ARGUMENT: retrying the same bytes cannot help.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  readonly permanent = true;
}
