import { z } from 'zod';
import { listenEndpoint, size } from '../../config/units.ts';

const authSchema = z
  .object({
    /** The id of an authenticator extension (bearertokenauth). */
    authenticator: z.string().min(1),
  })
  .strict();

const tlsSchema = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    client_ca_file: z.string().optional(),
  })
  .strict();

const grpcSchema = z
  .object({
    endpoint: listenEndpoint('127.0.0.1:4317'),
    /** The Collector's default: 4 MiB per message, checked after decompression too. */
    max_recv_msg_size_mib: z.number().positive().default(4),
    auth: authSchema.optional(),
    tls: tlsSchema.optional(),
  })
  .strict();

const httpSchema = z
  .object({
    endpoint: listenEndpoint('127.0.0.1:4318'),
    /** Limit on the body both as sent and once decompressed (the latter stops compression bombs). */
    max_request_body_size: size('20MiB'),
    traces_url_path: z.string().default('/v1/traces'),
    metrics_url_path: z.string().default('/v1/metrics'),
    logs_url_path: z.string().default('/v1/logs'),
    auth: authSchema.optional(),
    tls: tlsSchema.optional(),
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
  })
  .strict()
  .transform((config) => {
    const protocols = config.protocols ?? { grpc: null, http: null };
    // `grpc:` with no value turns the protocol on with defaults, as in the Collector.
    return {
      metadata_headers: config.metadata_headers,
      protocols: {
        grpc: protocols.grpc === null ? grpcSchema.parse({}) : protocols.grpc,
        http: protocols.http === null ? httpSchema.parse({}) : protocols.http,
      },
    };
  })
  .refine((config) => config.protocols.grpc !== undefined || config.protocols.http !== undefined, {
    message: 'enable at least one protocol (grpc or http)',
    path: ['protocols'],
  });

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
export type GrpcSettings = z.output<typeof grpcSchema>;
export type HttpSettings = z.output<typeof httpSchema>;
