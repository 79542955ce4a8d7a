// The public surface of Sluice's OTLP codec.
export * from './types.ts';
export {
  editAttributes,
  metricPoints,
  modelOf,
  requestOf,
  resourceEntries,
  type AttributeEdit,
  type AttributeLevel,
  type ModelOf,
  type ResourceEntry,
  type ScopeEntry,
  type SignalModel,
} from './model.ts';
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
