// Sluice's OTLP/JSON codec (the OTLP specification's JSON mapping of the protobuf messages).
import { OtlpDecodeError } from './errors.ts';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './json/decode.ts';
import { encodeLogsJson, encodeMetricsJson, encodeTracesJson } from './json/encode.ts';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  RequestBySignal,
  Signal,
} from './types.ts';

export function decodeJson<S extends Signal>(signal: S, text: string): RequestBySignal[S] {
  switch (signal) {
    case 'traces':
      return decodeTracesJson(text) as RequestBySignal[S];
    case 'metrics':
      return decodeMetricsJson(text) as RequestBySignal[S];
    case 'logs':
      return decodeLogsJson(text) as RequestBySignal[S];
    default:
      throw new OtlpDecodeError(`unknown signal ${String(signal)}`);
  }
}

export function encodeJson<S extends Signal>(signal: S, req: RequestBySignal[S]): string {
  switch (signal) {
    case 'traces':
      return encodeTracesJson(req as ExportTraceServiceRequest);
    case 'metrics':
      return encodeMetricsJson(req as ExportMetricsServiceRequest);
    case 'logs':
      return encodeLogsJson(req as ExportLogsServiceRequest);
    default:
      throw new TypeError(`unknown signal ${String(signal)}`);
  }
}

const REJECTED_FIELD: Readonly<Record<Signal, string>> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

/** "{}" for full success, else a partialSuccess with the signal's rejected-count field. */
export function encodeJsonResponse(signal: Signal, rejected: number, errorMessage: string): string {
  if (rejected === 0 && errorMessage === '') return '{}';
  const partialSuccess: Record<string, string> = {};
  if (rejected !== 0) partialSuccess[REJECTED_FIELD[signal]] = String(rejected);
  if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
  return JSON.stringify({ partialSuccess });
}
