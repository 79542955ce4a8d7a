import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator } from '../../core/auth.ts';
import { PipelineError } from '../../core/errors.ts';
import { newOutcome, type RequestMetadata } from '../../core/metadata.ts';
import { encodeExportResponse } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';
import type { RequestAcceptor } from './accept.ts';
import type { GrpcSettings } from './config.ts';
import { pickHeaders } from './headers.ts';
import { GRPC_SERVICE_PATHS } from '../../otlp/grpc-paths.ts';
import { encodeRpcStatus, GRPC_CODE } from '../../otlp/rpc-status.ts';

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * OTLP/gRPC with a hand-made service definition: grpc-js hands over the raw request bytes, which
 * go straight to Sluice's scanner, with no generated code and no intermediate objects.
 */
export class OtlpGrpcServer {
  readonly #settings: GrpcSettings;
  readonly #acceptor: RequestAcceptor;
  readonly #logger: Logger;
  readonly #authenticator: Authenticator | undefined;
  readonly #metadataHeaders: readonly string[];
  #server: grpc.Server | undefined;
  #port: number | undefined;

  constructor(settings: GrpcSettings, acceptor: RequestAcceptor, logger: Logger, authenticator: Authenticator | undefined, metadataHeaders: readonly string[]) {
    this.#settings = settings;
    this.#acceptor = acceptor;
    this.#logger = logger;
    this.#authenticator = authenticator;
    this.#metadataHeaders = metadataHeaders;
  }

  async start(): Promise<void> {
    const keepalive = this.#settings.keepalive?.server_parameters;
    const options: grpc.ServerOptions = { 'grpc.max_receive_message_length': Math.floor(this.#settings.max_recv_msg_size_mib * 1024 * 1024) };
    if (this.#settings.max_concurrent_streams !== undefined) options['grpc.max_concurrent_streams'] = this.#settings.max_concurrent_streams;
    if (keepalive?.time !== undefined) options['grpc.keepalive_time_ms'] = keepalive.time;
    if (keepalive?.timeout !== undefined) options['grpc.keepalive_timeout_ms'] = keepalive.timeout;
    if (keepalive?.max_connection_idle !== undefined) options['grpc.max_connection_idle_ms'] = keepalive.max_connection_idle;
    if (keepalive?.max_connection_age !== undefined) options['grpc.max_connection_age_ms'] = keepalive.max_connection_age;
    if (keepalive?.max_connection_age_grace !== undefined) options['grpc.max_connection_age_grace_ms'] = keepalive.max_connection_age_grace;
    const server = new grpc.Server(options);
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      if (!this.#acceptor.handles(signal)) continue;
      const path = GRPC_SERVICE_PATHS[signal];
      const service: grpc.ServiceDefinition = {
        Export: {
          path,
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      };
      server.addService(service, { Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => this.#export(signal, call, callback) });
    }
    const tls = this.#settings.tls;
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(tls.client_ca_file ? readFileSync(tls.client_ca_file) : null, [{ cert_chain: readFileSync(tls.cert_file), private_key: readFileSync(tls.key_file) }], tls.client_ca_file !== undefined)
      : grpc.ServerCredentials.createInsecure();
    this.#port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(this.#settings.endpoint, credentials, (error, port) => (error ? reject(error) : resolve(port)));
    });
    this.#server = server;
    this.#logger.info({ endpoint: this.#settings.endpoint }, 'OTLP/gRPC receiver listening');
  }

  get port(): number | undefined {
    return this.#port;
  }

  #export(signal: Signal, call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    const headers = call.metadata.getMap() as Record<string, string>;
    let principal: string | undefined;
    if (this.#authenticator !== undefined) {
      const auth = this.#authenticator.authenticate(headers);
      if (!auth.ok) {
        this.#acceptor.countRefusal('unauthenticated');
        callback(toServiceError(new PipelineError('unauthenticated', auth.reason)));
        return;
      }
      principal = auth.principal;
    }
    const metadata: RequestMetadata = {
      tenant: undefined,
      principal,
      clientAddress: call.getPeer(),
      headers: pickHeaders(headers, this.#metadataHeaders),
      receivedAt: Date.now(),
      transport: 'grpc',
      outcome: newOutcome(),
    };
    this.#acceptor.accept(signal, call.request, 'proto', metadata).then(
      (outcome) => {
        if (outcome.ok) callback(null, Buffer.from(encodeExportResponse(signal, outcome.rejected, outcome.message)));
        else callback(toServiceError(outcome.error));
      },
      (error) => {
        this.#logger.error({ error: String(error) }, 'unexpected error handling OTLP/gRPC request');
        callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      },
    );
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 5_000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A retryable refusal carries RetryInfo, which is what makes RESOURCE_EXHAUSTED retryable for OTLP clients. */
function toServiceError(error: PipelineError): Partial<grpc.ServiceError> {
  const code = GRPC_CODE[error.kind];
  const metadata = new grpc.Metadata();
  if (error.retryAfterMs !== undefined && error.retryable) {
    metadata.set('grpc-status-details-bin', encodeRpcStatus(code, error.message, error.retryAfterMs));
  }
  return { code, details: error.message, metadata };
}
