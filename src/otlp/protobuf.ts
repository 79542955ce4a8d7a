// Sluice's OTLP protobuf codec: hand-written from the opentelemetry-proto field numbers.
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
import { decodeTraceRequest, traceRequestSize, writeTraceRequest } from './proto/trace.ts';
import { decodeMetricsRequest, metricsRequestSize, writeMetricsRequest } from './proto/metrics.ts';
import { decodeLogsRequest, logsRequestSize, writeLogsRequest } from './proto/logs.ts';

export { OtlpDecodeError } from './errors.ts';
export { encodeSpan, decodeSpan } from './proto/span.ts';
export { scanRequest } from './proto/scan.ts';
export { countItems } from './count.ts';
export { encodeExportResponse, decodeExportResponse } from './proto/response.ts';
export { rewriteResources } from './proto/rewrite.ts';

export function decodeTraces(bytes: Uint8Array): ExportTraceServiceRequest {
  return decodeTraceRequest(new ProtoReader(bytes), bytes.length);
}

export function decodeMetrics(bytes: Uint8Array): ExportMetricsServiceRequest {
  return decodeMetricsRequest(new ProtoReader(bytes), bytes.length);
}

export function decodeLogs(bytes: Uint8Array): ExportLogsServiceRequest {
  return decodeLogsRequest(new ProtoReader(bytes), bytes.length);
}

export function decodeRequest<S extends Signal>(signal: S, bytes: Uint8Array): RequestBySignal[S] {
  switch (signal) {
    case 'traces':
      return decodeTraces(bytes) as RequestBySignal[S];
    case 'metrics':
      return decodeMetrics(bytes) as RequestBySignal[S];
    case 'logs':
      return decodeLogs(bytes) as RequestBySignal[S];
    default:
      throw new OtlpDecodeError(`unknown signal ${String(signal)}`);
  }
}

export function encodeTraces(req: ExportTraceServiceRequest): Uint8Array {
  return encodeMessage(req, traceRequestSize, writeTraceRequest);
}

export function encodeMetrics(req: ExportMetricsServiceRequest): Uint8Array {
  return encodeMessage(req, metricsRequestSize, writeMetricsRequest);
}

export function encodeLogs(req: ExportLogsServiceRequest): Uint8Array {
  return encodeMessage(req, logsRequestSize, writeLogsRequest);
}

export function encodeRequest<S extends Signal>(signal: S, req: RequestBySignal[S]): Uint8Array {
  switch (signal) {
    case 'traces':
      return encodeTraces(req as ExportTraceServiceRequest);
    case 'metrics':
      return encodeMetrics(req as ExportMetricsServiceRequest);
    case 'logs':
      return encodeLogs(req as ExportLogsServiceRequest);
    default:
      throw new TypeError(`unknown signal ${String(signal)}`);
  }
}
