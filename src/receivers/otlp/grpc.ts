import { readFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Authenticator } from '../../core/auth.ts';
import { PipelineError } from '../../core/errors.ts';
import { newOutcome, type RequestMetadata } from '../../core/metadata.ts';
import { encodeExportResponse } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';
import type { RequestAcceptor } from './accept.ts';
import { ADMISSION_MESSAGE, type Admission, type Ticket } from './admission.ts';
import type { GrpcSettings } from './config.ts';
import { claimedTenant, pickHeaders } from './headers.ts';
import { listen, splitHostPort } from '../../net.ts';
import { GRPC_SERVICE_PATHS } from '../../otlp/grpc-paths.ts';
import { encodeRpcStatus, GRPC_CODE } from '../../otlp/rpc-status.ts';

const identity = (bytes: Buffer): Buffer => bytes;
/** How long shutdown lets calls in flight finish before it cancels them. */
const SHUTDOWN_GRACE_MS = 5_000;

/** What the interceptor decided from a call's metadata, for its handler. */
interface Admitted {
  principal: string | undefined;
  ticket: Ticket;
}

/**
 * OTLP/gRPC with a hand-made service definition: grpc-js hands over the raw request bytes, which
 * go straight to Sluice's scanner, with no generated code and no intermediate objects.
 *
 * A call is authenticated and admitted from its metadata alone, in a server interceptor that runs
 * before grpc-js reads the message: grpc-js buffers a whole message before the handler runs, so a
 * check in the handler would come after the bytes. A refused call is answered at once and its
 * message is never read. Connections come through Sluice's own listener, which counts and caps
 * them, and are handed to grpc-js (its connection injector).
 */
export class OtlpGrpcServer {
  readonly #settings: GrpcSettings;
  readonly #acceptor: RequestAcceptor;
  readonly #admission: Admission;
  readonly #logger: Logger;
  readonly #authenticator: Authenticator | undefined;
  readonly #metadataHeaders: readonly string[];
  readonly #maxMessageBytes: number;
  readonly #admitted = new WeakMap<grpc.Metadata, Admitted>();
  #server: grpc.Server | undefined;
  #listener: NetServer | undefined;
  #port: number | undefined;
  /** Set at shutdown: new calls are refused (retryable), and shutdown waits for the accepted ones. */
  #stopping = false;
  #inFlight = 0;
  #drained: (() => void) | undefined;

  constructor(settings: GrpcSettings, acceptor: RequestAcceptor, admission: Admission, logger: Logger, authenticator: Authenticator | undefined, metadataHeaders: readonly string[]) {
    this.#settings = settings;
    this.#acceptor = acceptor;
    this.#admission = admission;
    this.#logger = logger;
    this.#authenticator = authenticator;
    this.#metadataHeaders = metadataHeaders;
    this.#maxMessageBytes = Math.floor(settings.max_recv_msg_size_mib * 1024 * 1024);
  }

  async start(): Promise<void> {
    const keepalive = this.#settings.keepalive?.server_parameters;
    const options: grpc.ServerOptions = {
      'grpc.max_receive_message_length': this.#maxMessageBytes,
      'grpc.max_concurrent_streams': this.#settings.max_concurrent_streams,
      interceptors: [(_method, call) => this.#intercept(call)],
    };
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
    const injector = server.createConnectionInjector(credentials);
    const listener = createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
    listener.maxConnections = this.#settings.max_connections;
    listener.on('drop', () => this.#acceptor.countRefusal('connections'));
    const { host, port } = splitHostPort(this.#settings.endpoint);
    await listen(listener, port, host);
    const address = listener.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : port;
    this.#listener = listener;
    this.#server = server;
    this.#logger.info({ endpoint: this.#settings.endpoint }, 'OTLP/gRPC receiver listening');
  }

  get port(): number | undefined {
    return this.#port;
  }

  /**
   * Runs on the call's metadata, before its message is read: authentication, then admission. A
   * refused call is answered now; without next(), grpc-js never reads its message. The message's
   * size is reserved from its gRPC length prefix, read off the HTTP/2 stream ahead of grpc-js
   * (see reserveDeclared), so a call holds what it declared, as an HTTP body its Content-Length.
   * Where grpc-js does not expose the stream, the largest message allowed is reserved instead.
   */
  #intercept(call: grpc.ServerInterceptingCallInterface): grpc.ServerInterceptingCall {
    let ticket: Ticket | undefined;
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, pass) => {
            if (this.#stopping) {
              refuseUnread(call, new PipelineError('overloaded', SHUTTING_DOWN, this.#admission.retryAfterMs));
              return;
            }
            const headers = metadata.getMap() as Record<string, string>;
            let principal: string | undefined;
            if (this.#authenticator !== undefined) {
              const auth = this.#authenticator.authenticate(headers);
              if (!auth.ok) {
                this.#acceptor.countRefusal('unauthenticated');
                refuseUnread(call, new PipelineError('unauthenticated', auth.reason));
                return;
              }
              principal = auth.principal;
            }
            const stream = internalStream(call);
            const admitted = this.#admission.admit(stream === undefined ? this.#maxMessageBytes : 0, call.getPeer(), principal ?? claimedTenant(headers));
            if (typeof admitted === 'string') {
              this.#acceptor.countRefusal(admitted);
              refuseUnread(call, new PipelineError('overloaded', ADMISSION_MESSAGE[admitted], this.#admission.retryAfterMs));
              return;
            }
            ticket = admitted;
            if (stream !== undefined) this.#reserveDeclared(call, stream, admitted);
            this.#admitted.set(metadata, { principal, ticket });
            pass(metadata);
          },
          onReceiveMessage: (message: Buffer, pass) => {
            // Now the size is known: the reservation shrinks to it.
            ticket?.resize(message.length);
            pass(message);
          },
          onCancel: () => ticket?.release(),
        });
      },
    });
  }

  /**
   * Reserves the message's declared length (bytes 1-4 of the gRPC frame) from the first bytes that
   * arrive, before grpc-js buffers them: this listener runs first. A message that does not fit is
   * refused there, and grpc-js, finding the call answered, drops what it got.
   */
  #reserveDeclared(call: grpc.ServerInterceptingCallInterface, stream: Http2StreamInternals, ticket: Ticket): void {
    let prefix: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      prefix = prefix.length === 0 ? chunk : Buffer.concat([prefix, chunk]);
      if (prefix.length < GRPC_PREFIX_BYTES) return;
      stream.off('data', onData);
      const refusal = ticket.resize(GRPC_PREFIX_BYTES + prefix.readUInt32BE(1));
      if (refusal === undefined) return;
      ticket.release();
      this.#acceptor.countRefusal(refusal);
      refuseUnread(call, new PipelineError('overloaded', ADMISSION_MESSAGE[refusal], this.#admission.retryAfterMs));
    };
    stream.prependListener('data', onData);
  }

  #export(signal: Signal, call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    const admitted = this.#admitted.get(call.metadata);
    if (admitted === undefined) {
      // The interceptor runs first on every call; this is only a guard.
      callback({ code: grpc.status.INTERNAL, details: 'call was not admitted' });
      return;
    }
    const { principal, ticket } = admitted;
    if (this.#stopping) {
      // Admitted before shutdown began, read after it: the pipeline may already be flushing, so
      // the client retries elsewhere rather than having spans acknowledged into a stopped sampler.
      ticket.release();
      callback(toStatus(new PipelineError('overloaded', SHUTTING_DOWN, this.#admission.retryAfterMs)));
      return;
    }
    this.#inFlight++;
    const headers = call.metadata.getMap() as Record<string, string>;
    const metadata: RequestMetadata = {
      tenant: undefined,
      principal,
      clientAddress: call.getPeer(),
      headers: pickHeaders(headers, this.#metadataHeaders),
      receivedAt: Date.now(),
      transport: 'grpc',
      outcome: newOutcome(),
    };
    this.#acceptor.accept(signal, call.request, 'proto', metadata, ticket).then(
      (outcome) => {
        ticket.release();
        this.#callDone();
        if (outcome.ok) callback(null, Buffer.from(encodeExportResponse(signal, outcome.rejected, outcome.message)));
        else callback(toStatus(outcome.error));
      },
      (error) => {
        ticket.release();
        this.#callDone();
        this.#logger.error({ error: String(error) }, 'unexpected error handling OTLP/gRPC request');
        callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      },
    );
  }

  #callDone(): void {
    if (--this.#inFlight === 0) this.#drained?.();
  }

  /**
   * Stops accepting connections and calls, waits for the calls already accepted into the pipeline
   * (whatever grpc-js tracks of injected connections, a call counted here is answered before the
   * processors flush), then lets the rest close (GOAWAY), all within SHUTDOWN_GRACE_MS.
   */
  async shutdown(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    this.#stopping = true;
    this.#listener?.close();
    this.#listener = undefined;
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, Math.max(0, deadline - Date.now()));
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

const SHUTTING_DOWN = 'receiver is shutting down';

/** A gRPC message frame starts with a compressed flag and a 4-byte big-endian length. */
const GRPC_PREFIX_BYTES = 5;

/** What Sluice uses of the HTTP/2 stream under a grpc-js call. */
interface Http2StreamInternals {
  closed: boolean;
  close(code: number): void;
  prependListener(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/**
 * The HTTP/2 stream of a call: grpc-js keeps it on its base call, with no public accessor. Read
 * defensively; undefined where a grpc-js version does not have it, and callers fall back.
 */
function internalStream(call: grpc.ServerInterceptingCallInterface): Http2StreamInternals | undefined {
  const stream = (call as unknown as { stream?: Partial<Http2StreamInternals> }).stream;
  return stream !== undefined && typeof stream.close === 'function' && typeof stream.prependListener === 'function' && typeof stream.off === 'function' ? (stream as Http2StreamInternals) : undefined;
}

/**
 * Answers a call whose message will not be read, then resets its stream with NO_ERROR, which
 * RFC 9113 (8.1) allows once the response is complete: the client stops sending, and the stream
 * no longer holds one of the connection's max_concurrent_streams or up to a window of unread
 * bytes in HTTP/2 buffers. grpc-js has no public way to reset a stream; where its call does not
 * expose one, the refusal is only answered.
 */
function refuseUnread(call: grpc.ServerInterceptingCallInterface, error: PipelineError): void {
  call.sendStatus(toStatus(error));
  const stream = internalStream(call);
  if (stream === undefined) return;
  // After the answer's HEADERS frame has been queued.
  setImmediate(() => {
    if (!stream.closed) stream.close(0); // NGHTTP2_NO_ERROR
  });
}

/** A retryable refusal carries RetryInfo, which is what makes RESOURCE_EXHAUSTED retryable for OTLP clients. */
function toStatus(error: PipelineError): grpc.StatusObject {
  const code = GRPC_CODE[error.kind];
  const metadata = new grpc.Metadata();
  if (error.retryAfterMs !== undefined && error.retryable) {
    metadata.set('grpc-status-details-bin', encodeRpcStatus(code, error.message, error.retryAfterMs));
  }
  return { code, details: error.message, metadata };
}
