import { gzip as gzipCallback } from 'node:zlib';
import { promisify } from 'node:util';
import type { Exporter, ExporterContext } from '../../core/component.ts';
import { encodeJson } from '../../otlp/json.ts';
import { decodeExportResponse } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';
import { readTlsFiles } from '../shared/client-config.ts';
import { HttpClient, statusError } from '../shared/http-client.ts';
import type { OtlpHttpExporterConfig } from './config.ts';

const gzip = promisify(gzipCallback);
const SIGNAL_PATHS: Record<Signal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };
/** The statuses OTLP/HTTP calls retryable; every other failure is permanent. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const isRetryableStatus = (status: number) => RETRYABLE_STATUS.has(status);

export function signalUrl(config: OtlpHttpExporterConfig, signal: Signal): URL {
  const explicit = signal === 'traces' ? config.traces_endpoint : signal === 'metrics' ? config.metrics_endpoint : config.logs_endpoint;
  if (explicit !== undefined) return new URL(explicit);
  const base = config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/`;
  return new URL(SIGNAL_PATHS[signal], base);
}

export function createOtlpHttpExporter(ctx: ExporterContext<OtlpHttpExporterConfig>): Exporter {
  const config = ctx.config;
  const url = signalUrl(config, ctx.signal);
  const client = new HttpClient(url, { tls: readTlsFiles(config.tls), insecureSkipVerify: config.tls.insecure_skip_verify });
  const contentType = config.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const what = `POST ${url.href}`;

  return {
    async push(batch, abortSignal) {
      const headers: Record<string, string> = { ...config.headers, 'content-type': contentType, 'user-agent': 'sluice' };
      // Uncompressed protobuf goes out as the merged batch's pieces, never copied into one buffer.
      let body: readonly Uint8Array[];
      if (config.encoding === 'json') body = [Buffer.from(encodeJson(batch.signal, batch.request))];
      else body = config.compression === 'gzip' ? [batch.bytes()] : batch.byteChunks();
      if (config.compression === 'gzip') {
        body = [await gzip(body[0], { level: 1 })];
        headers['content-encoding'] = 'gzip';
      }
      const tenant = batch.metadata.tenant;
      if (config.tenant_header !== '' && tenant !== undefined) headers[config.tenant_header] = tenant;

      const response = await client.post(url, headers, body, abortSignal);
      if (response.status >= 200 && response.status < 300) {
        if (config.encoding === 'proto' && response.body.length > 0) {
          try {
            const partial = decodeExportResponse(response.body);
            if (partial.rejected > 0) ctx.logger.warn({ rejected: partial.rejected, message: partial.errorMessage }, 'backend rejected part of the batch');
          } catch {
            // A 2xx with an unreadable body still means accepted.
          }
        }
        return;
      }
      throw statusError(what, response, isRetryableStatus);
    },
    shutdown() {
      client.close();
    },
  };
}
