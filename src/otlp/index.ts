// The public surface of Sluice's OTLP codec.
export * from './types.ts';
export {
  countItems,
  decodeExportResponse,
  decodeLogs,
  decodeMetrics,
  decodeRequest,
  decodeSpan,
  decodeTraces,
  encodeExportResponse,
  encodeLogs,
  encodeMetrics,
  encodeRequest,
  encodeSpan,
  encodeTraces,
  OtlpDecodeError,
  rewriteResources,
  scanRequest,
} from './protobuf.ts';
export { decodeJson, encodeJson, encodeJsonResponse } from './json.ts';
