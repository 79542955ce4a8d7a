import { createRequire } from 'node:module';
import { ExportError } from '../../core/errors.ts';
import type { ExportMetricsServiceRequest } from '../../otlp/types.ts';
import type { PrometheusRemoteWriteConfig } from './config.ts';
import { toTimeSeries } from './convert.ts';
import { encodeWriteRequests } from './remote-write-proto.ts';
import type { Refusal } from './series.ts';
import { snappyCompress } from './snappy.ts';

// One push = convert, encode (split under max_batch_size_bytes), snappy, POST each body in order.
// Remote write has no partial success: a body is accepted or refused whole, and the status code
// alone says whether sending it again can help.

const PACKAGE_VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
export const USER_AGENT = `sluice/${PACKAGE_VERSION}`;

const ERROR_BODY_LIMIT = 512;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface PushResult {
  /** Series and samples accepted by the endpoint. */
  series: number;
  samples: number;
  /** HTTP requests made (a batch above max_batch_size_bytes takes several). */
  requests: number;
  /** Compressed bytes sent. */
  bytes: number;
  /** Points that could not be expressed in Prometheus, by reason; count these as dropped. */
  refused: Refusal[];
}

/**
 * Sends a metrics batch to a remote-write endpoint. Resolves when every request was accepted;
 * throws ExportError otherwise (`retryable`, optional `retryAfterMs`). When a later request of a
 * split batch fails, the earlier ones were already stored; resending them is harmless because
 * Prometheus accepts an identical sample again.
 */
export async function push(
  request: ExportMetricsServiceRequest,
  tenant: string | undefined,
  config: PrometheusRemoteWriteConfig,
  fetchImpl: FetchLike = fetch,
  abortSignal?: AbortSignal,
): Promise<PushResult> {
  const { series, metadata, refused } = toTimeSeries(request, config);
  const result: PushResult = { series: 0, samples: 0, requests: 0, bytes: 0, refused };
  if (series.length === 0 && metadata.length === 0) return result;

  const bodies = encodeWriteRequests(series, metadata, config.max_batch_size_bytes);
  const headers = requestHeaders(config, tenant);
  for (let i = 0; i < bodies.length; i++) {
    const body = snappyCompress(bodies[i]);
    await postOnce(config, headers, body, fetchImpl, abortSignal);
    result.requests++;
    result.bytes += body.byteLength;
  }
  result.series = series.length;
  for (let i = 0; i < series.length; i++) result.samples += series[i].samples.length;
  return result;
}

function requestHeaders(config: PrometheusRemoteWriteConfig, tenant: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...config.headers };
  if (config.tenant_header.length > 0 && tenant !== undefined && tenant.length > 0) headers[config.tenant_header] = tenant;
  headers['Content-Encoding'] = 'snappy';
  headers['Content-Type'] = 'application/x-protobuf';
  headers['X-Prometheus-Remote-Write-Version'] = '0.1.0';
  headers['User-Agent'] = USER_AGENT;
  return headers;
}

async function postOnce(
  config: PrometheusRemoteWriteConfig,
  headers: Record<string, string>,
  body: Uint8Array<ArrayBuffer>,
  fetchImpl: FetchLike,
  abortSignal: AbortSignal | undefined,
): Promise<void> {
  const timeoutSignal = config.timeout > 0 ? AbortSignal.timeout(config.timeout) : undefined;
  const signal =
    timeoutSignal !== undefined && abortSignal !== undefined
      ? AbortSignal.any([timeoutSignal, abortSignal])
      : (timeoutSignal ?? abortSignal);
  let response: Response;
  try {
    response = await fetchImpl(config.endpoint, { method: 'POST', headers, body, signal });
  } catch (error) {
    throw transportError(config, error, timeoutSignal);
  }
  let text: string;
  try {
    // Read the body even on success so the connection goes back to the pool.
    text = await response.text();
  } catch (error) {
    if (response.ok) return;
    throw transportError(config, error, timeoutSignal);
  }
  if (response.ok) return;
  throw statusError(response, text);
}

function transportError(config: PrometheusRemoteWriteConfig, error: unknown, timeoutSignal: AbortSignal | undefined): ExportError {
  if (timeoutSignal?.aborted === true) {
    return new ExportError(`remote write to ${config.endpoint} timed out after ${config.timeout}ms`, true, undefined, { cause: error });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new ExportError(`remote write to ${config.endpoint} was cancelled`, true, undefined, { cause: error });
  }
  return new ExportError(`remote write to ${config.endpoint} failed: ${describeNetworkError(error)}`, true, undefined, { cause: error });
}

// fetch reports every network failure as "fetch failed"; the useful part (ECONNREFUSED…) is the cause.
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

/** 2xx is handled by the caller. 429 and 5xx may succeed later; any other status will not. */
export function statusError(response: Response, bodyText: string): ExportError {
  const status = response.status;
  const detail = truncate(bodyText.trim(), ERROR_BODY_LIMIT);
  const message = `remote write refused: HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}${detail ? `: ${detail}` : ''}`;
  const retryable = status === 429 || status >= 500;
  if (!retryable) return new ExportError(message, false);
  return new ExportError(message, true, parseRetryAfter(response.headers.get('retry-after'), Date.now()));
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (text.length === 0) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}
