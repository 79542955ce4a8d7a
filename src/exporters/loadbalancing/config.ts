import { z } from 'zod';
import { duration, section } from '../../config/units.ts';
import { exporterHelperFields, retrySchema, sendingQueueSchema } from '../helper/config.ts';
import { clientFields } from '../shared/client-config.ts';

// The Collector's loadbalancing exporter shape, so its configs carry over: `routing_key`,
// `protocol.otlp` (the otlp exporter's settings for every backend, endpoint excepted) and one
// resolver. Keys Sluice does not implement fail validation with a reason instead of doing nothing.

const ROUTING_KEYS = ['traceID', 'service', 'resource', 'metric', 'streamID', 'attributes'] as const;
export type RoutingKey = (typeof ROUTING_KEYS)[number];

/** The otlp exporter's settings for each backend; the endpoint comes from the resolver. */
const backendSchema = z
  .object({
    ...clientFields,
    ...exporterHelperFields,
  })
  .strict();

const staticResolverSchema = z
  .object({
    /** host:port of each backend. */
    hostnames: z.array(z.string().regex(/^[^\s/]+:\d+$|^[^\s/:]+$/, 'write host:port (or host, for port 4317)')).min(1),
  })
  .strict();

const dnsResolverSchema = z
  .object({
    /** Name whose A/AAAA records are the backends (a Kubernetes headless Service). */
    hostname: z.string().min(1),
    /** The backends' OTLP/gRPC port. */
    port: z.union([z.string().regex(/^\d+$/), z.number().int()]).default('4317').transform((p) => Number(p)).pipe(z.number().int().min(1).max(65535)),
    /** How often the name is resolved again. */
    interval: duration('5s'),
    /** Limit on one resolution. */
    timeout: duration('1s'),
    /** Sluice only: a DNS server (`ip` or `ip:port`) to ask instead of the system's resolvers. */
    server: z.string().optional(),
  })
  .strict();

const notImplemented = (what: string, instead: string) =>
  z.unknown().optional().superRefine((value, ctx) => {
    if (value !== undefined) ctx.addIssue({ code: 'custom', message: `${what} is not implemented in Sluice; ${instead}` });
  });

const resolverSchema = z
  .object({
    static: staticResolverSchema.optional(),
    dns: dnsResolverSchema.optional(),
    k8s: notImplemented('resolver.k8s', 'use resolver.dns with a headless Service'),
    aws_cloud_map: notImplemented('resolver.aws_cloud_map', 'use resolver.static or resolver.dns'),
  })
  .strict()
  .superRefine((resolver, ctx) => {
    const set = (resolver.static ? 1 : 0) + (resolver.dns ? 1 : 0);
    if (set !== 1 && resolver.k8s === undefined && resolver.aws_cloud_map === undefined) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one resolver: static or dns' });
    }
  });

export const loadBalancingExporterConfigSchema = z
  .object({
    /** Default: traceID for traces, service for metrics and logs (the Collector's defaults). */
    routing_key: z
      .enum(ROUTING_KEYS)
      .optional()
      .superRefine((key, ctx) => {
        if (key === 'streamID' || key === 'attributes') {
          ctx.addIssue({ code: 'custom', message: `routing_key "${key}" is not implemented in Sluice; use traceID, service, resource or metric` });
        }
      }),
    protocol: z.object({ otlp: section(backendSchema) }).strict().default(() => ({ otlp: backendSchema.parse({}) })),
    resolver: resolverSchema,
    // The exporter's own queue, retry and timeout, in front of the routing. Off by default: each
    // backend has its own queue and retries (protocol.otlp), so a failure is retried to that backend
    // only; a top-level retry would resend only what was not yet routed (see README).
    timeout: duration('5s'),
    sending_queue: section(sendingQueueSchema.extend({ enabled: z.boolean().default(false) })),
    retry_on_failure: section(retrySchema.extend({ enabled: z.boolean().default(false) })),
  })
  .strict();

export type LoadBalancingExporterConfig = z.output<typeof loadBalancingExporterConfigSchema>;
export type BackendSettings = z.output<typeof backendSchema>;
export type DnsResolverConfig = z.output<typeof dnsResolverSchema>;
