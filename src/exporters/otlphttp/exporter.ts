import { deflate as deflateCallback, gzip as gzipCallback, zstdCompress as zstdCallback } from 'node:zlib';
import { promisify } from 'node:util';
import type { Exporter, ExporterContext } from '../../core/component.ts';
import { encodeJson } from '../../otlp/json.ts';
import { decodeExportResponse } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';
import { clientAuthenticator, readTlsFiles, tlsOptions, type Compression } from '../shared/client-config.ts';
import { HttpClient, safeHref, statusError } from '../shared/http-client.ts';
import type { OtlpHttpExporterConfig } from './config.ts';

const COMPRESS: Record<Exclude<Compression, 'none'>, (body: Uint8Array) => Promise<Buffer>> = {
  gzip: (body) => promisify(gzipCallback)(body, { level: 1 }),
  deflate: (body) => promisify(deflateCallback)(body),
  zstd: (body) => promisify(zstdCallback)(body),
};
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
  const client = new HttpClient(url, {
    tls: readTlsFiles(config.tls),
    insecureSkipVerify: config.tls.insecure_skip_verify,
    tlsOptions: tlsOptions(config.tls),
    auth: clientAuthenticator(ctx.host, config.auth),
  });
  const contentType = config.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const what = `POST ${safeHref(url)}`;

  return {
    async push(batch, abortSignal) {
      const headers: Record<string, string> = { ...config.headers, 'content-type': contentType, 'user-agent': 'sluice' };
      // Uncompressed protobuf goes out as the merged batch's pieces, never copied into one buffer.
      let body: readonly Uint8Array[];
      if (config.encoding === 'json') body = [Buffer.from(encodeJson(batch.signal, batch.request))];
      else body = config.compression !== 'none' ? [batch.bytes()] : batch.byteChunks();
      if (config.compression !== 'none') {
        body = [await COMPRESS[config.compression](body[0])];
        headers['content-encoding'] = config.compression;
      }
      const tenant = batch.metadata.tenant;
      if (config.tenant_header !== '' && tenant !== undefined) headers[config.tenant_header] = tenant;

      const response = await client.post(url, headers, body, abortSignal, 0, batch.metadata);
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
