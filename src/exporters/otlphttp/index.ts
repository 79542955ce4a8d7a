import { gzip as gzipCallback } from 'node:zlib';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import type { ExporterFactory } from '../../core/component.ts';
import { errorMessage, permanentError, retryableError } from '../../core/errors.ts';
import { encodeJson } from '../../otlp/json.ts';
import { decodeExportResponse } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';
import { http, https } from '../../net.ts';
import { parseRetryAfter, readTlsFiles } from '../shared/client-config.ts';
import { otlpHttpExporterConfigSchema, type OtlpHttpExporterConfig } from './config.ts';

const gzip = promisify(gzipCallback);
const SIGNAL_PATHS: Record<Signal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };
/** The statuses OTLP/HTTP calls retryable; every other failure is permanent. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function signalUrl(config: OtlpHttpExporterConfig, signal: Signal): URL {
  const explicit = signal === 'traces' ? config.traces_endpoint : signal === 'metrics' ? config.metrics_endpoint : config.logs_endpoint;
  if (explicit !== undefined) return new URL(explicit);
  const base = config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/`;
  return new URL(SIGNAL_PATHS[signal], base);
}

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlphttp',
  aliases: ['otlp_http'],
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpHttpExporterConfigSchema,
  exampleConfig: ({ httpUrl }) => ({ endpoint: httpUrl }),
  create(ctx) {
    const config = ctx.config;
    const url = signalUrl(config, ctx.signal);
    const secure = url.protocol === 'https:';
    const tls = readTlsFiles(config.tls);
    const agent = secure
      ? new (https().Agent)({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !config.tls.insecure_skip_verify })
      : new http.Agent({ keepAlive: true });
    const send = secure ? https().request : http.request;
    const contentType = config.encoding === 'json' ? 'application/json' : 'application/x-protobuf';

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
        let length = 0;
        for (let i = 0; i < body.length; i++) length += body[i].byteLength;
        headers['content-length'] = String(length);

        let response: { status: number; headers: IncomingMessage['headers']; body: Buffer };
        try {
          response = await new Promise((resolve, reject) => {
            const req = send(url, { method: 'POST', headers, agent, signal: abortSignal }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
              res.on('error', reject);
            });
            req.on('error', reject);
            // Written before the socket is assigned, the pieces are flushed with the headers in one writev.
            for (let i = 0; i < body.length - 1; i++) req.write(body[i]);
            req.end(body[body.length - 1]);
          });
        } catch (error) {
          throw retryableError(`POST ${url.href}: ${errorMessage(error)}`, undefined, error);
        }
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
        const detail = response.body.subarray(0, 512).toString('utf8');
        const message = `POST ${url.href}: HTTP ${response.status}${detail ? `: ${detail}` : ''}`;
        if (RETRYABLE_STATUS.has(response.status)) throw retryableError(message, parseRetryAfter(response.headers['retry-after']));
        throw permanentError(message);
      },
      shutdown() {
        agent.destroy();
      },
    };
  },
};
