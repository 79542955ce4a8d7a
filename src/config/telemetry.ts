import { z } from 'zod';
import type { ConfigProblem } from '../core/graph.ts';
import { duration, endpointProblem } from './units.ts';

// `service.telemetry` in both shapes the Collector has had: the old `metrics.address`, and the
// current one built on the OpenTelemetry configuration schema (`metrics.readers` with pull
// Prometheus and periodic OTLP readers, `resource`, `metrics.level`, `logs.encoding`), which every
// Helm-rendered config uses. Both parse into one form the service reads: the addresses to serve
// /metrics on, and the OTLP endpoints to push to.

const hostPort = (what: string) =>
  z.string().superRefine((address, ctx) => {
    const problem = address === '' ? undefined : endpointProblem(address);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${what}: ${problem}` });
  });

const prometheusPullSchema = z.strictObject({
  host: z.string().default('localhost'),
  port: z.number().int().min(0).max(65_535),
  // These shape names in the Collector's exporter; Sluice's names are fixed to the Collector's
  // defaults, so the keys are accepted only with the values that match what Sluice serves.
  without_scope_info: z.boolean().optional(),
  without_type_suffix: z.boolean().optional().refine((v) => v !== true, 'Sluice always writes the type suffix (_total), as the Collector does by default'),
  without_units: z.boolean().optional().refine((v) => v !== true, 'Sluice always writes unit suffixes (_seconds, _bytes), as the Collector does by default'),
  with_resource_constant_labels: z.strictObject({ included: z.array(z.string()).default([]), excluded: z.array(z.string()).default([]) }).optional(),
});

/** `headers` as a map, or as the configuration schema's list of `{ name, value }`. */
const headerList = z
  .union([z.record(z.string(), z.string()), z.array(z.strictObject({ name: z.string().min(1), value: z.string() }))])
  .default({})
  .transform((headers) => (Array.isArray(headers) ? Object.fromEntries(headers.map((h) => [h.name, h.value])) : headers));

const otlpPushSchema = z.strictObject({
  protocol: z.enum(['http/protobuf', 'http/json', 'grpc']).default('http/protobuf'),
  /** The OTLP/HTTP metrics URL (http://collector:4318/v1/metrics), or for grpc the server (http://collector:4317; https for TLS). */
  endpoint: z.string().regex(/^https?:\/\/[^/]/, 'must be an http:// or https:// URL (e.g. http://collector:4318/v1/metrics, or http://collector:4317 with protocol grpc)'),
  headers: headerList,
  compression: z.enum(['gzip', 'none']).default('none'),
  /** Milliseconds, as the configuration schema writes it, or a duration. */
  timeout: duration(10_000),
  insecure: z.boolean().optional(),
  temporality_preference: z.enum(['cumulative', 'delta', 'lowmemory']).optional(),
});

// One key per reader, `pull` or `periodic`; a strict object with both optional keeps zod's
// messages about what is inside (a union would only say that nothing matched).
const readerSchema = z
  .strictObject({
    pull: z.strictObject({ exporter: z.strictObject({ prometheus: prometheusPullSchema }) }).optional(),
    periodic: z
      .strictObject({
        interval: duration(60_000),
        timeout: duration(30_000),
        exporter: z.strictObject({ otlp: otlpPushSchema }),
      })
      .optional(),
  })
  .refine((r) => (r.pull === undefined) !== (r.periodic === undefined), 'a reader is either pull (a Prometheus endpoint) or periodic (an OTLP push)');

const LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;

const metricsSchema = z
  .strictObject({
    /** The old shape: host:port of the Prometheus /metrics endpoint; empty turns it off. */
    address: hostPort('address').optional(),
    level: z.enum(LEVELS).default('normal'),
    readers: z.array(readerSchema).optional(),
  })
  .prefault({});

const logsSchema = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** `json` (Sluice's default) or `console`: tab-separated time, level, message, then the fields as JSON. */
    encoding: z.enum(['json', 'console']).default('json'),
    /** Where log lines go: `stdout`, `stderr` or file paths. */
    output_paths: z.array(z.string().min(1)).min(1).default(['stdout']),
    /** Fields added to every line. */
    initial_fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    // Accepted and ignored (harmless; see README): they tune zap's output in the Collector.
    development: z.boolean().optional(),
    disable_caller: z.boolean().optional(),
    disable_stacktrace: z.boolean().optional(),
    sampling: z.unknown().optional(),
    error_output_paths: z.array(z.string()).optional(),
    processors: z.unknown().optional(),
  })
  .prefault({});

const resourceSchema = z.record(z.string(), z.union([z.string(), z.null()])).default({});

export const telemetrySchema = z
  .strictObject({
    metrics: metricsSchema,
    logs: logsSchema,
    resource: resourceSchema,
    /** The Collector's own traces. Sluice emits none, so there is nothing to configure (ignored; see README). */
    traces: z.unknown().optional(),
    /** How long a graceful shutdown may take before queues are left to persistent storage. */
    shutdown_timeout: duration('30s'),
  })
  .transform((t) => {
    const pull: Array<{ path: string; endpoint: string }> = [];
    const periodic: PeriodicReader[] = [];
    if (t.metrics.level !== 'none') {
      if (t.metrics.address !== undefined) {
        if (t.metrics.address !== '') pull.push({ path: 'address', endpoint: t.metrics.address });
      } else if (t.metrics.readers === undefined) {
        pull.push({ path: 'address', endpoint: '127.0.0.1:8888' });
      }
      for (const [i, reader] of (t.metrics.readers ?? []).entries()) {
        if (reader.pull !== undefined) {
          const { host, port } = reader.pull.exporter.prometheus;
          pull.push({ path: `readers[${i}].pull.exporter.prometheus.port`, endpoint: `${host.includes(':') ? `[${host}]` : host}:${port}` });
        } else if (reader.periodic !== undefined) {
          const { interval, timeout, exporter } = reader.periodic;
          periodic.push({ intervalMs: interval, timeoutMs: timeout, ...exporter.otlp });
        }
      }
    }
    return {
      metrics: {
        /** The first address /metrics is served on ('' for none), for code that knows one. */
        address: pull[0]?.endpoint ?? '',
        /** Every address /metrics is served on, with its path under service.telemetry.metrics. */
        listeners: pull,
        periodic,
        level: t.metrics.level,
      },
      logs: t.logs,
      resource: t.resource,
      shutdown_timeout: t.shutdown_timeout,
    };
  });

export interface PeriodicReader {
  intervalMs: number;
  timeoutMs: number;
  protocol: 'http/protobuf' | 'http/json' | 'grpc';
  endpoint: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeout: number;
}

export type TelemetryConfig = z.output<typeof telemetrySchema>;

/** Keys of `service.telemetry` accepted and ignored, with why ignoring them is harmless. */
export function telemetryNotices(raw: unknown): ConfigProblem[] {
  const notices: ConfigProblem[] = [];
  const t = raw as Record<string, Record<string, unknown> | undefined> | undefined;
  if (t === undefined || t === null || typeof t !== 'object') return notices;
  const logs = t.logs ?? {};
  for (const key of ['development', 'disable_caller', 'disable_stacktrace', 'sampling', 'error_output_paths', 'processors']) {
    if (logs[key] !== undefined) notices.push({ path: `service.telemetry.logs.${key}`, message: 'accepted and ignored: it tunes the Collector\'s zap logger; Sluice logs through pino to logs.output_paths' });
  }
  const readers = (t.metrics as { readers?: unknown } | undefined)?.readers;
  if (Array.isArray(readers)) {
    for (const [i, reader] of readers.entries()) {
      const prometheus = (reader as { pull?: { exporter?: { prometheus?: Record<string, unknown> } } } | null)?.pull?.exporter?.prometheus;
      for (const key of ['without_scope_info', 'with_resource_constant_labels']) {
        if (prometheus?.[key] !== undefined) notices.push({ path: `service.telemetry.metrics.readers[${i}].pull.exporter.prometheus.${key}`, message: 'accepted and ignored: Sluice writes no scope labels, and labels every series with service_name, service_instance_id and service_version' });
      }
      const otlp = (reader as { periodic?: { exporter?: { otlp?: Record<string, unknown> } } } | null)?.periodic?.exporter?.otlp;
      for (const key of ['temporality_preference', 'insecure']) {
        if (otlp?.[key] !== undefined) notices.push({ path: `service.telemetry.metrics.readers[${i}].periodic.exporter.otlp.${key}`, message: key === 'insecure' ? 'accepted and ignored: the endpoint\'s scheme (http or https) decides TLS' : 'accepted and ignored: self-metrics are always pushed cumulative' });
      }
    }
  }
  if (t.traces !== undefined) notices.push({ path: 'service.telemetry.traces', message: 'accepted and ignored: Sluice emits no traces of its own' });
  const level = t.metrics?.level;
  if (level === 'basic' || level === 'detailed') notices.push({ path: 'service.telemetry.metrics.level', message: `"${level}" serves the same metrics as "normal": Sluice has one set` });
  return notices;
}

/**
 * The resource of Sluice's own telemetry: `service.name`, `service.instance.id` (a fresh UUID per
 * process) and `service.version` unless the config sets them, with `resource` on top (a null value
 * removes an attribute, as in the Collector).
 */
export function telemetryResource(configured: Readonly<Record<string, string | null>>, version: string, instanceId: string): Record<string, string> {
  const resource: Record<string, string | null> = { 'service.name': 'sluice', 'service.instance.id': instanceId, 'service.version': version, ...configured };
  return Object.fromEntries(Object.entries(resource).filter((entry): entry is [string, string] => entry[1] !== null));
}

/** The resource attributes the Collector puts on every self-metric, as Prometheus labels. */
export function resourceLabels(resource: Readonly<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of ['service.instance.id', 'service.name', 'service.version']) {
    if (resource[key] !== undefined) labels[key.replace(/\./g, '_')] = resource[key];
  }
  return labels;
}
