// Sluice's OTLP protobuf codec: hand-written, with every field number and tag from one table
// of the opentelemetry-proto schema (proto/schema.ts).
//
// Batching note: Export*ServiceRequest has a single repeated field (1), so the concatenation of
// two encoded requests of one signal is itself a valid request holding both; a batcher can join
// request bytes without decoding them.
import { OtlpDecodeError } from './errors.ts';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  RequestBySignal,
  Signal,
} from './types.ts';
import { encodeMessage } from './proto/encode.ts';
import { ProtoReader } from './proto/reader.ts';
import { LOGS_CODEC, METRICS_CODEC, TRACES_CODEC } from './proto/envelope.ts';

export { OtlpDecodeError } from './errors.ts';
export { encodeSpan, decodeSpan } from './proto/span.ts';
export { scanRequest } from './proto/scan.ts';
export { countItems } from './count.ts';
export { encodeExportResponse, decodeExportResponse } from './proto/response.ts';
export { rewriteResources } from './proto/rewrite.ts';

export function decodeTraces(bytes: Uint8Array): ExportTraceServiceRequest {
  return TRACES_CODEC.decode(new ProtoReader(bytes), bytes.length);
}

export function decodeMetrics(bytes: Uint8Array): ExportMetricsServiceRequest {
  return METRICS_CODEC.decode(new ProtoReader(bytes), bytes.length);
}

export function decodeLogs(bytes: Uint8Array): ExportLogsServiceRequest {
  return LOGS_CODEC.decode(new ProtoReader(bytes), bytes.length);
}

const DECODERS: { readonly [S in Signal]: (bytes: Uint8Array) => RequestBySignal[S] } = {
  traces: decodeTraces,
  metrics: decodeMetrics,
  logs: decodeLogs,
};

export function decodeRequest<S extends Signal>(signal: S, bytes: Uint8Array): RequestBySignal[S] {
  if (!Object.hasOwn(DECODERS, signal)) throw new OtlpDecodeError(`unknown signal ${String(signal)}`);
  return (DECODERS[signal] as (bytes: Uint8Array) => RequestBySignal[S])(bytes);
}

export function encodeTraces(req: ExportTraceServiceRequest): Uint8Array {
  return encodeMessage(req, TRACES_CODEC.size, TRACES_CODEC.write);
}

export function encodeMetrics(req: ExportMetricsServiceRequest): Uint8Array {
  return encodeMessage(req, METRICS_CODEC.size, METRICS_CODEC.write);
}

export function encodeLogs(req: ExportLogsServiceRequest): Uint8Array {
  return encodeMessage(req, LOGS_CODEC.size, LOGS_CODEC.write);
}

const ENCODERS: { readonly [S in Signal]: (req: RequestBySignal[S]) => Uint8Array } = {
  traces: encodeTraces,
  metrics: encodeMetrics,
  logs: encodeLogs,
};

export function encodeRequest<S extends Signal>(signal: S, req: RequestBySignal[S]): Uint8Array {
  if (!Object.hasOwn(ENCODERS, signal)) throw new TypeError(`unknown signal ${String(signal)}`);
  return (ENCODERS[signal] as (req: RequestBySignal[S]) => Uint8Array)(req);
}
