// Sluice's OTLP/JSON codec (the OTLP specification's JSON mapping of the protobuf messages).
import { OtlpDecodeError } from './errors.ts';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './json/decode.ts';
import { encodeLogsJson, encodeMetricsJson, encodeTracesJson } from './json/encode.ts';
import type { RequestBySignal, Signal } from './types.ts';

const DECODERS: { readonly [S in Signal]: (text: string) => RequestBySignal[S] } = {
  traces: decodeTracesJson,
  metrics: decodeMetricsJson,
  logs: decodeLogsJson,
};

export function decodeJson<S extends Signal>(signal: S, text: string): RequestBySignal[S] {
  if (!Object.hasOwn(DECODERS, signal)) throw new OtlpDecodeError(`unknown signal ${String(signal)}`);
  return (DECODERS[signal] as (text: string) => RequestBySignal[S])(text);
}

const ENCODERS: { readonly [S in Signal]: (req: RequestBySignal[S]) => string } = {
  traces: encodeTracesJson,
  metrics: encodeMetricsJson,
  logs: encodeLogsJson,
};

export function encodeJson<S extends Signal>(signal: S, req: RequestBySignal[S]): string {
  if (!Object.hasOwn(ENCODERS, signal)) throw new TypeError(`unknown signal ${String(signal)}`);
  return (ENCODERS[signal] as (req: RequestBySignal[S]) => string)(req);
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
