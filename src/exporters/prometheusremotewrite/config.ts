import { z } from 'zod';
import { duration, section, size } from '../../config/units.ts';
import { clientAuthSchema, clientTlsSchema } from '../shared/client-config.ts';

// Option names and defaults follow the Collector's prometheusremotewrite exporter, so a
// Collector config moves over unchanged (minus the queue/retry/TLS blocks the helper owns).

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// The protocol fixes these; a user header must not silently change what the receiver decodes.
const RESERVED_HEADERS = new Set([
  'content-encoding',
  'content-type',
  'x-prometheus-remote-write-version',
  'user-agent',
]);

const enabledFlag = (enabled: boolean) => z.strictObject({ enabled: z.boolean().default(enabled) }).prefault({});

export const prometheusRemoteWriteConfigSchema = z.strictObject({
  /** The remote write URL, e.g. http://127.0.0.1:9090/api/v1/write. */
  endpoint: z.url({ protocol: /^https?$/, error: 'endpoint must be an http:// or https:// URL' }),
  /** Extra request headers (auth, routing). The protocol headers cannot be overridden. */
  headers: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (RESERVED_HEADERS.has(name.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is set by the protocol and cannot be changed` });
        }
      }
    }),
  /** Labels added to every series that does not already carry that label. */
  external_labels: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((labels, ctx) => {
      for (const name of Object.keys(labels)) {
        if (!LABEL_NAME.test(name) || name.startsWith('__')) {
          ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)` });
        }
      }
    }),
  /** Prefix for every metric name, joined with `_`. */
  namespace: z.string().default(''),
  /** Copy every resource attribute onto every series as a label. */
  resource_to_telemetry_conversion: enabledFlag(false),
  /** Emit one `target_info` series per resource carrying its non-identifying attributes. */
  target_info: enabledFlag(true),
  /** Append unit (`_seconds`) and type (`_total`, `_ratio`) suffixes to metric names. */
  add_metric_suffixes: z.boolean().default(true),
  /** Label every series with `otel_scope_name` / `otel_scope_version`, as the OTel spec asks. */
  add_scope_labels: z.boolean().default(true),
  /** Also send TYPE/HELP/UNIT metadata (WriteRequest.metadata). */
  send_metadata: z.boolean().default(false),
  /** Per-request deadline, including reading the response. 0 disables it. */
  timeout: duration('5s'),
  /** Header carrying the batch's tenant (e.g. `X-Scope-OrgID` for Mimir/Cortex); empty = none. */
  tenant_header: z.string().default(''),
  /** Upper bound of one request's uncompressed body; larger batches are split into several requests. */
  max_batch_size_bytes: size(3_000_000).pipe(z.number().int().positive()),
  /** The Collector's client TLS settings, as for otlphttp. */
  tls: section(clientTlsSchema),
  /** A client authenticator extension (basicauth, bearertokenauth, headers_setter). */
  auth: clientAuthSchema,
  // Accepted and ignored (see the factory's ignoredKeys and README).
  remote_write_queue: z.strictObject({ enabled: z.boolean().optional(), queue_size: z.number().int().min(0).optional(), num_consumers: z.number().int().min(0).optional() }).optional(),
  max_batch_request_parallelism: z.number().int().min(1).optional(),
  write_buffer_size: size().optional(),
});

export type PrometheusRemoteWriteConfig = z.output<typeof prometheusRemoteWriteConfigSchema>;
export type PrometheusRemoteWriteConfigInput = z.input<typeof prometheusRemoteWriteConfigSchema>;
