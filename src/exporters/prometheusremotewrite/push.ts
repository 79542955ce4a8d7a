import { createRequire } from 'node:module';
import type { ExportMetricsServiceRequest } from '../../otlp/types.ts';
import { HttpClient, statusError } from '../shared/http-client.ts';
import type { RequestMetadata } from '../../core/metadata.ts';
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

/** 429 and 5xx may succeed later; any other status will not. */
const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/**
 * Sends a metrics batch to a remote-write endpoint. Resolves when every request was accepted;
 * throws ExportError otherwise (`retryable`, optional `retryAfterMs`). When a later request of a
 * split batch fails, the earlier ones were already stored; resending them is harmless because
 * Prometheus accepts an identical sample again. Without a `client`, one is made for this call.
 */
export async function push(
  request: ExportMetricsServiceRequest,
  tenant: string | undefined,
  config: PrometheusRemoteWriteConfig,
  client?: HttpClient,
  abortSignal?: AbortSignal,
  requestMetadata?: RequestMetadata,
): Promise<PushResult> {
  const { series, metadata, refused } = toTimeSeries(request, config);
  const result: PushResult = { series: 0, samples: 0, requests: 0, bytes: 0, refused };
  if (series.length === 0 && metadata.length === 0) return result;

  const url = new URL(config.endpoint);
  const http = client ?? new HttpClient(url);
  try {
    const bodies = encodeWriteRequests(series, metadata, config.max_batch_size_bytes);
    const headers = requestHeaders(config, tenant);
    for (let i = 0; i < bodies.length; i++) {
      const body = snappyCompress(bodies[i]);
      const response = await http.post(url, headers, [body], abortSignal, config.timeout, requestMetadata);
      if (response.status < 200 || response.status >= 300) throw statusError('remote write refused', response, isRetryableStatus);
      result.requests++;
      result.bytes += body.byteLength;
    }
  } finally {
    if (client === undefined) http.close();
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
