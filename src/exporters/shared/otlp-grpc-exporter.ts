import * as grpc from '@grpc/grpc-js';
import type { Exporter, ExporterContext } from '../../core/component.ts';
import { permanentError, retryableError } from '../../core/errors.ts';
import { decodeExportResponse } from '../../otlp/protobuf.ts';
import { GRPC_SERVICE_PATHS } from '../../otlp/grpc-paths.ts';
import { decodeRetryInfoDelay } from '../../otlp/rpc-status.ts';
import { clientAuthenticator, readTlsFiles, type ClientTls } from './client-config.ts';

/** What the client needs of the otlp exporter's settings (the loadbalancing exporter's backends share it). */
export interface OtlpGrpcClientSettings {
  endpoint: string;
  headers: Record<string, string>;
  /** gzip, deflate, zstd (sent as gzip over gRPC) or none. */
  compression: string;
  tls: ClientTls;
  tenant_header: string;
  auth?: { authenticator: string };
}

/** The codes the OTLP specification lists as retryable; RESOURCE_EXHAUSTED only with RetryInfo. */
const RETRYABLE_CODES = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

const identity = (bytes: Buffer): Buffer => bytes;

function target(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//i, '');
}

/** OTLP/gRPC export over a grpc-js client; callers import this module only when an exporter needs it. */
export function createOtlpGrpcExporter(ctx: ExporterContext<OtlpGrpcClientSettings>): Exporter {
  const config = ctx.config;
  const path = GRPC_SERVICE_PATHS[ctx.signal];
  const auth = clientAuthenticator(ctx.host, config.auth);
  let client: grpc.Client | undefined;
  // grpc-js compresses with gzip or deflate only; zstd (a Collector default) falls back to gzip, which every OTLP server takes.
  if (config.compression === 'zstd') ctx.logger.warn('compression zstd is not available over gRPC here: sending gzip');
  const compression = config.compression === 'none' ? 0 : config.compression === 'deflate' ? 1 : 2;

  const connect = (): grpc.Client => {
    const files = readTlsFiles(config.tls);
    const insecure = config.tls.insecure || /^http:\/\//i.test(config.endpoint);
    const credentials = insecure
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(files.ca ?? null, files.key ?? null, files.cert ?? null, { rejectUnauthorized: !config.tls.insecure_skip_verify });
    return new grpc.Client(target(config.endpoint), credentials, {
      'grpc.default_compression_algorithm': compression,
      ...(config.tls.server_name_override !== undefined ? { 'grpc.ssl_target_name_override': config.tls.server_name_override } : {}),
      // A larger HTTP/2 window keeps grpc-js from stalling on flow control with big requests.
      'grpc-node.flow_control_window': 16 * 1024 * 1024,
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    });
  };

  return {
    start() {
      client = connect();
    },
    push(batch, abortSignal) {
      client ??= connect();
      const headers: Record<string, string> = { ...config.headers };
      const tenant = batch.metadata.tenant;
      if (config.tenant_header !== '' && tenant !== undefined) headers[config.tenant_header] = tenant;
      auth?.authorize(headers, batch.metadata);
      const metadata = new grpc.Metadata();
      for (const key in headers) metadata.set(key.toLowerCase(), headers[key]);
      const bytes = batch.bytes();
      const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return new Promise<void>((resolve, reject) => {
        const call = client!.makeUnaryRequest(path, identity, identity, payload, metadata, {}, (error, response) => {
          abortSignal.removeEventListener('abort', onAbort);
          if (error === null) {
            if (response !== undefined && response.length > 0) {
              try {
                const partial = decodeExportResponse(response);
                if (partial.rejected > 0) ctx.logger.warn({ rejected: partial.rejected, message: partial.errorMessage }, 'backend rejected part of the batch');
              } catch {
                // An OK with an unreadable body still means accepted.
              }
            }
            resolve();
            return;
          }
          const details = error.metadata?.get('grpc-status-details-bin')[0];
          const retryAfterMs = details instanceof Buffer ? safeRetryDelay(details) : undefined;
          const message = `${path}: ${grpc.status[error.code]}: ${error.details}`;
          const retryable = RETRYABLE_CODES.has(error.code) || (error.code === grpc.status.RESOURCE_EXHAUSTED && retryAfterMs !== undefined);
          reject(retryable ? retryableError(message, retryAfterMs) : permanentError(message));
        });
        const onAbort = () => call.cancel();
        abortSignal.addEventListener('abort', onAbort, { once: true });
      });
    },
    shutdown() {
      client?.close();
      client = undefined;
    },
  };
}

function safeRetryDelay(details: Buffer): number | undefined {
  try {
    return decodeRetryInfoDelay(details);
  } catch {
    return undefined;
  }
}
