import { z } from 'zod';
import { duration, listenEndpoint, size } from '../../config/units.ts';

const MIB = 1024 * 1024;

const authSchema = z
  .object({
    /** The id of an authenticator extension (bearertokenauth). */
    authenticator: z.string().min(1),
  })
  .strict();

const TLS_VERSION = z.enum(['1.0', '1.1', '1.2', '1.3']);

const tlsSchema = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    client_ca_file: z.string().optional(),
    /** The Collector's protocol bounds; applied to the HTTP server (grpc-js negotiates its own). */
    min_version: TLS_VERSION.optional(),
    max_version: TLS_VERSION.optional(),
    /** Certificates are read at start: accepted and ignored (see README). */
    reload_interval: duration().optional(),
  })
  .strict();

// The Collector's gRPC server keepalive settings, passed to grpc-js. `enforcement_policy` has no
// grpc-js counterpart; it is accepted and ignored (grpc-js is lenient about client pings).
const keepaliveSchema = z.strictObject({
  server_parameters: z
    .strictObject({
      max_connection_idle: duration().optional(),
      max_connection_age: duration().optional(),
      max_connection_age_grace: duration().optional(),
      time: duration().optional(),
      timeout: duration().optional(),
    })
    .optional(),
  enforcement_policy: z.strictObject({ min_time: duration().optional(), permit_without_stream: z.boolean().optional() }).optional(),
});

const grpcSchema = z
  .object({
    endpoint: listenEndpoint('127.0.0.1:4317'),
    /** The Collector's default: 4 MiB per message, checked after decompression too. */
    max_recv_msg_size_mib: z.number().positive().default(4),
    /** The Collector's configgrpc name: streams one HTTP/2 connection may have open at once. */
    max_concurrent_streams: z.number().int().positive().default(100),
    /** Connections open at once; more are closed as they arrive, and counted. */
    max_connections: z.number().int().positive().default(10_000),
    keepalive: keepaliveSchema.optional(),
    /** Keep every request header (authorization excepted) in batch metadata, as the Collector's client metadata. */
    include_metadata: z.boolean().default(false),
    // Socket buffer sizes: grpc-js sizes its own (accepted and ignored, see README).
    read_buffer_size: size().optional(),
    write_buffer_size: size().optional(),
    auth: authSchema.optional(),
    tls: tlsSchema.optional(),
  })
  .strict();

const corsSchema = z.strictObject({
  /** Origins allowed to send from a browser; `*` for any, `https://*.example.com` wildcards. */
  allowed_origins: z.array(z.string().min(1)).default([]),
  /** Request headers a browser may send, beyond the safe ones; `*` for any. */
  allowed_headers: z.array(z.string().min(1)).default([]),
  /** Seconds a browser may cache the preflight answer. */
  max_age: z.number().int().min(0).optional(),
});

const httpSchema = z
  .object({
    endpoint: listenEndpoint('127.0.0.1:4318'),
    /** Limit on the body both as sent and once decompressed (the latter stops compression bombs). */
    max_request_body_size: size('20MiB'),
    /** Connections open at once; more are closed as they arrive, and counted. */
    max_connections: z.number().int().positive().default(10_000),
    traces_url_path: z.string().default('/v1/traces'),
    metrics_url_path: z.string().default('/v1/metrics'),
    logs_url_path: z.string().default('/v1/logs'),
    /** Browser clients: answer CORS preflights and mark responses for the allowed origins. */
    cors: corsSchema.optional(),
    include_metadata: z.boolean().default(false),
    auth: authSchema.optional(),
    tls: tlsSchema.optional(),
  })
  .strict();

/**
 * Bytes of request bodies being read and decoded, reserved before a body is read (HTTP: its
 * Content-Length; gRPC: max_recv_msg_size_mib, until the message is in). A request that would pass
 * a limit is refused at once with 503 / UNAVAILABLE and retry information.
 */
const admissionSchema = z
  .object({
    /** All connections of the receiver; the otel-arrow receiver's admission.request_limit_mib. */
    request_limit_mib: z.number().positive().default(64),
    /** One connection (an HTTP/2 connection carries many streams). */
    connection_limit_mib: z.number().positive().default(32),
    /** One tenant: the authenticated principal, or without auth the x-scope-orgid header. */
    tenant_limit_mib: z.number().positive().default(32),
  })
  .strict();

export const otlpReceiverConfigSchema = z
  .object({
    /** Left out entirely: both protocols on their default endpoints. */
    protocols: z
      .object({
        grpc: grpcSchema.nullable().optional(),
        http: httpSchema.nullable().optional(),
      })
      .strict()
      .optional(),
    /** Request headers copied into batch metadata (lower case); the tenant header is always kept. */
    metadata_headers: z.array(z.string().min(1).transform((h) => h.toLowerCase())).default([]),
    admission: admissionSchema.default(admissionSchema.parse({})),
  })
  .strict()
  .transform((config) => {
    const protocols = config.protocols ?? { grpc: null, http: null };
    // `grpc:` with no value turns the protocol on with defaults, as in the Collector.
    return {
      metadata_headers: config.metadata_headers,
      admission: config.admission,
      protocols: {
        grpc: protocols.grpc === null ? grpcSchema.parse({}) : protocols.grpc,
        http: protocols.http === null ? httpSchema.parse({}) : protocols.http,
      },
    };
  })
  .refine((config) => config.protocols.grpc !== undefined || config.protocols.http !== undefined, {
    message: 'enable at least one protocol (grpc or http)',
    path: ['protocols'],
  })
  .superRefine((config, ctx) => {
    // A request as large as the protocol allows must fit every admission limit, or it could never be admitted.
    const largest = Math.max(config.protocols.http?.max_request_body_size ?? 0, (config.protocols.grpc?.max_recv_msg_size_mib ?? 0) * MIB);
    for (const key of ['request_limit_mib', 'connection_limit_mib', 'tenant_limit_mib'] as const) {
      if (config.admission[key] * MIB < largest) {
        ctx.addIssue({ code: 'custom', path: ['admission', key], message: `${key} (${config.admission[key]}) must hold the largest request allowed (${largest / MIB} MiB: max_request_body_size / max_recv_msg_size_mib)` });
      }
    }
  });

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
export type GrpcSettings = z.output<typeof grpcSchema>;
export type HttpSettings = z.output<typeof httpSchema>;
export type AdmissionSettings = z.output<typeof admissionSchema>;
export type CorsSettings = z.output<typeof corsSchema>;
