import { z } from 'zod';
import { size } from '../../config/units.ts';
import { tenantIdSchema } from '../../core/tenant-id.ts';
import { FileContentError, parseYamlWith } from '../../common/yaml-file.ts';
import type { AnyValue, KeyValue } from '../../otlp/types.ts';

// The tenants file, validated and compiled once per load into immutable TenantEntry objects:
// quotas merged with `defaults` and turned into (rate, burst) pairs, attributes already in
// OTLP KeyValue form, so neither quotas nor enrichment do any per-request parsing.

/** A token-bucket limit: `rate` units per second, at most `burst` units banked. */
export interface RateLimit {
  readonly rate: number;
  readonly burst: number;
}

/** Absent limit = unlimited. */
export interface TenantQuotas {
  readonly spans?: RateLimit;
  readonly metricPoints?: RateLimit;
  readonly logRecords?: RateLimit;
  readonly bytes?: RateLimit;
}

export type TenantAttributeValue = string | number | boolean;

export interface TenantEntry {
  readonly id: string;
  readonly enabled: boolean;
  /** As written in the file, e.g. `{ tier: 'gold' }`. */
  readonly attributes: Readonly<Record<string, TenantAttributeValue>>;
  /** The same attributes as OTLP KeyValues, unprefixed; shared, never mutate. */
  readonly attributeKeyValues: readonly KeyValue[];
  readonly quotas: TenantQuotas;
}

export interface TenantsFile {
  readonly tenants: ReadonlyMap<string, TenantEntry>;
  /** Quotas from the `defaults` block alone, for callers that meet a tenant not in the table. */
  readonly defaultQuotas: TenantQuotas;
}

const positive = z.number().positive();
// A limit is a rate, `{ rate, burst }`, or null for "unlimited" (overriding a default).
const itemLimit = z.union([positive, z.strictObject({ rate: positive, burst: positive }), z.null()]);
const byteLimit = z.union([
  size(),
  z.strictObject({ rate: size(), burst: size() }),
  z.null(),
]);

const quotasSchema = z.strictObject({
  spans_per_second: itemLimit.optional(),
  metric_points_per_second: itemLimit.optional(),
  log_records_per_second: itemLimit.optional(),
  bytes_per_second: byteLimit.optional(),
  /** burst = rate × burst_seconds unless a limit gives its own burst. Default 1. */
  burst_seconds: positive.optional(),
});
type QuotasInput = z.output<typeof quotasSchema>;
type LimitInput = number | { rate: number; burst: number } | null | undefined;

const attributesSchema = z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]));

const tenantSchema = z.strictObject({
  id: tenantIdSchema,
  enabled: z.boolean().default(true),
  attributes: attributesSchema.default({}),
  quotas: quotasSchema.default({}),
});

const tenantsFileSchema = z.strictObject({
  defaults: z.strictObject({ quotas: quotasSchema.default({}) }).default({ quotas: {} }),
  tenants: z.array(tenantSchema).default([]),
});

const DEFAULT_BURST_SECONDS = 1;

/** Parses and validates tenants-file text; throws FileContentError with a message safe to log. */
export function parseTenantsFile(text: string): TenantsFile {
  const file = parseYamlWith(text, tenantsFileSchema);
  const defaults = file.defaults.quotas;
  const tenants = new Map<string, TenantEntry>();
  const problems: string[] = [];
  for (let i = 0; i < file.tenants.length; i++) {
    const t = file.tenants[i];
    if (tenants.has(t.id)) {
      problems.push(`tenants[${i}].id: duplicate tenant "${t.id}"`);
      continue;
    }
    tenants.set(t.id, {
      id: t.id,
      enabled: t.enabled,
      attributes: Object.freeze({ ...t.attributes }),
      attributeKeyValues: Object.freeze(toKeyValues(t.attributes)),
      quotas: mergeQuotas(t.quotas, defaults),
    });
  }
  if (problems.length > 0) throw new FileContentError(problems.join('; '));
  return { tenants, defaultQuotas: mergeQuotas({}, defaults) };
}

function mergeQuotas(own: QuotasInput, defaults: QuotasInput): TenantQuotas {
  const burstSeconds = own.burst_seconds ?? defaults.burst_seconds ?? DEFAULT_BURST_SECONDS;
  const quotas: { -readonly [K in keyof TenantQuotas]: TenantQuotas[K] } = {};
  const spans = toLimit(pick(own.spans_per_second, defaults.spans_per_second), burstSeconds);
  const metricPoints = toLimit(pick(own.metric_points_per_second, defaults.metric_points_per_second), burstSeconds);
  const logRecords = toLimit(pick(own.log_records_per_second, defaults.log_records_per_second), burstSeconds);
  const bytes = toLimit(pick(own.bytes_per_second, defaults.bytes_per_second), burstSeconds);
  if (spans !== undefined) quotas.spans = spans;
  if (metricPoints !== undefined) quotas.metricPoints = metricPoints;
  if (logRecords !== undefined) quotas.logRecords = logRecords;
  if (bytes !== undefined) quotas.bytes = bytes;
  return Object.freeze(quotas);
}

/** The tenant's own setting wins when written at all, `null` included. */
function pick(own: LimitInput, fallback: LimitInput): LimitInput {
  return own !== undefined ? own : fallback;
}

function toLimit(limit: LimitInput, burstSeconds: number): RateLimit | undefined {
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit === 'number') return { rate: limit, burst: limit * burstSeconds };
  return { rate: limit.rate, burst: limit.burst };
}

function toKeyValues(attributes: Record<string, TenantAttributeValue>): KeyValue[] {
  const keys = Object.keys(attributes);
  const out: KeyValue[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = { key: keys[i], value: toAnyValue(attributes[keys[i]]) };
  return out;
}

function toAnyValue(value: TenantAttributeValue): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isSafeInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
}
