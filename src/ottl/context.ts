import type { AnyValue, InstrumentationScope, KeyValue, LogRecord, Metric, Resource, Span, SpanEvent } from '../otlp/types.ts';
import type { RequestMetadata } from '../core/metadata.ts';
import { LazySpan } from './span-bytes.ts';
import { OttlTime, ValueMap, type Value, copyKvs, fromAny, toAny, toText } from './values.ts';

// The contexts OTTL statements run in, and the paths each can read and write. One EvalContext
// per batch is filled in as the walk moves from resource to scope to item, so evaluating a
// statement allocates nothing for the context itself.

export type ContextName = 'resource' | 'scope' | 'span' | 'spanevent' | 'metric' | 'datapoint' | 'log';
export const CONTEXT_NAMES: readonly ContextName[] = ['resource', 'scope', 'span', 'spanevent', 'metric', 'datapoint', 'log'];

/** Which contexts a context can see: its own and those above it. */
export const VISIBLE: Record<ContextName, readonly ContextName[]> = {
  resource: ['resource'],
  scope: ['resource', 'scope'],
  span: ['resource', 'scope', 'span'],
  spanevent: ['resource', 'scope', 'span', 'spanevent'],
  metric: ['resource', 'scope', 'metric'],
  datapoint: ['resource', 'scope', 'metric', 'datapoint'],
  log: ['resource', 'scope', 'log'],
};

/** A data point of any of the five metric kinds; fields are read by presence. */
export type AnyPoint = Record<string, any> & { attributes: KeyValue[] };

export class EvalContext {
  /** ResourceSpans / ResourceMetrics / ResourceLogs: holds `resource`, created on first write. */
  resourceHolder: { resource: Resource | undefined } = { resource: undefined };
  scopeHolder: { scope: InstrumentationScope | undefined } = { scope: undefined };
  span: Span = undefined as unknown as Span;
  event: SpanEvent = undefined as unknown as SpanEvent;
  metric: Metric = undefined as unknown as Metric;
  point: AnyPoint = undefined as unknown as AnyPoint;
  log: LogRecord = undefined as unknown as LogRecord;
  /** A scratch map for the statements of one item (the Collector's `cache`). */
  cache: KeyValue[] = [];
  metadata: RequestMetadata | undefined = undefined;
}

/** How a path reads and writes. `map` paths also take keys; `slot` paths hold one AnyValue (a log body). */
export interface PathAccessor {
  /** Static type for compile-time checks: what the path holds, 'any' when it varies. */
  type: 'string' | 'int' | 'float' | 'bool' | 'bytes' | 'map' | 'list' | 'time' | 'any';
  get(ctx: EvalContext): Value;
  set?(ctx: EvalContext, value: Value): void;
  /** The KeyValue list behind a map path; with create, made if missing. */
  map?(ctx: EvalContext, create: boolean): KeyValue[] | undefined;
  /** The AnyValue behind a slot path; with create, made if missing. */
  slot?(ctx: EvalContext, create: boolean): AnyValue | undefined;
  /** One key of a map path, without building the whole map (a span read from its bytes). */
  lookup?(ctx: EvalContext, key: string, keyBytes: Uint8Array): AnyValue | undefined;
  /** Whether that key holds exactly this string (compared as bytes on a span read from bytes). */
  isString?(ctx: EvalContext, key: string, keyBytes: Uint8Array, value: string, valueBytes: Uint8Array): boolean;
}

const EMPTY: KeyValue[] = [];

function mapPath(list: (ctx: EvalContext, create: boolean) => KeyValue[] | undefined, replace: (ctx: EvalContext, kvs: KeyValue[]) => void): PathAccessor {
  return {
    type: 'map',
    get: (ctx) => mapValue(list(ctx, false) ?? EMPTY),
    set: (ctx, value) => {
      if (value instanceof ValueMap) replace(ctx, copyKvs(value.kvs));
    },
    map: list,
  };
}

function mapValue(kvs: KeyValue[]): Value {
  return new ValueMap(kvs);
}

function str(get: (ctx: EvalContext) => string, set: (ctx: EvalContext, value: string) => void): PathAccessor {
  return { type: 'string', get, set: (ctx, value) => typeof value === 'string' && set(ctx, value) };
}

/** int64 fields stored as bigint (times, counts). */
function bigintField(get: (ctx: EvalContext) => bigint, set: (ctx: EvalContext, value: bigint) => void): PathAccessor {
  return { type: 'int', get, set: (ctx, value) => typeof value === 'bigint' && set(ctx, value) };
}

/** int fields stored as number (enums, flags, dropped counts). */
function numberField(get: (ctx: EvalContext) => number, set: ((ctx: EvalContext, value: number) => void) | undefined): PathAccessor {
  return {
    type: 'int',
    get: (ctx) => BigInt(get(ctx)),
    set: set === undefined ? undefined : (ctx, value) => typeof value === 'bigint' && set(ctx, Number(value)),
  };
}

function timeField(get: (ctx: EvalContext) => bigint, set: (ctx: EvalContext, value: bigint) => void): PathAccessor {
  return { type: 'time', get: (ctx) => new OttlTime(get(ctx)), set: (ctx, value) => value instanceof OttlTime && set(ctx, value.ns) };
}

function bytesField(get: (ctx: EvalContext) => Uint8Array, set: (ctx: EvalContext, value: Uint8Array) => void, size: number): PathAccessor {
  return { type: 'bytes', get, set: (ctx, value) => value instanceof Uint8Array && (value.length === size || value.length === 0) && set(ctx, value) };
}

function hexField(get: (ctx: EvalContext) => Uint8Array, set: (ctx: EvalContext, value: Uint8Array) => void, size: number): PathAccessor {
  return {
    type: 'string',
    get: (ctx) => Buffer.from(get(ctx)).toString('hex'),
    set: (ctx, value) => {
      if (typeof value === 'string' && value.length === size * 2 && /^[0-9a-fA-F]*$/.test(value)) set(ctx, Uint8Array.from(Buffer.from(value, 'hex')));
    },
  };
}

function resourceOf(ctx: EvalContext): Resource {
  return (ctx.resourceHolder.resource ??= { attributes: [], droppedAttributesCount: 0, entityRefs: [] });
}

function scopeOf(ctx: EvalContext): InstrumentationScope {
  return (ctx.scopeHolder.scope ??= { name: '', version: '', attributes: [], droppedAttributesCount: 0 });
}

const RESOURCE_FIELDS: Record<string, PathAccessor> = {
  attributes: mapPath(
    (ctx, create) => (create ? resourceOf(ctx).attributes : ctx.resourceHolder.resource?.attributes),
    (ctx, kvs) => void (resourceOf(ctx).attributes = kvs),
  ),
  dropped_attributes_count: numberField((ctx) => ctx.resourceHolder.resource?.droppedAttributesCount ?? 0, (ctx, n) => void (resourceOf(ctx).droppedAttributesCount = n)),
};

const SCOPE_FIELDS: Record<string, PathAccessor> = {
  name: str((ctx) => ctx.scopeHolder.scope?.name ?? '', (ctx, v) => void (scopeOf(ctx).name = v)),
  version: str((ctx) => ctx.scopeHolder.scope?.version ?? '', (ctx, v) => void (scopeOf(ctx).version = v)),
  attributes: mapPath(
    (ctx, create) => (create ? scopeOf(ctx).attributes : ctx.scopeHolder.scope?.attributes),
    (ctx, kvs) => void (scopeOf(ctx).attributes = kvs),
  ),
  dropped_attributes_count: numberField((ctx) => ctx.scopeHolder.scope?.droppedAttributesCount ?? 0, (ctx, n) => void (scopeOf(ctx).droppedAttributesCount = n)),
};

const KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

const SPAN_FIELDS: Record<string, PathAccessor> = {
  trace_id: bytesField((c) => c.span.traceId, (c, v) => void (c.span.traceId = v), 16),
  'trace_id.string': hexField((c) => c.span.traceId, (c, v) => void (c.span.traceId = v), 16),
  span_id: bytesField((c) => c.span.spanId, (c, v) => void (c.span.spanId = v), 8),
  'span_id.string': hexField((c) => c.span.spanId, (c, v) => void (c.span.spanId = v), 8),
  parent_span_id: bytesField((c) => c.span.parentSpanId, (c, v) => void (c.span.parentSpanId = v), 8),
  'parent_span_id.string': hexField((c) => c.span.parentSpanId, (c, v) => void (c.span.parentSpanId = v), 8),
  trace_state: str((c) => c.span.traceState, (c, v) => void (c.span.traceState = v)),
  name: str((c) => c.span.name, (c, v) => void (c.span.name = v)),
  kind: numberField((c) => c.span.kind, (c, v) => void (c.span.kind = v)),
  'kind.string': { type: 'string', get: (c) => KIND_NAMES[c.span.kind] ?? '' },
  start_time_unix_nano: bigintField((c) => c.span.startTimeUnixNano, (c, v) => void (c.span.startTimeUnixNano = v)),
  end_time_unix_nano: bigintField((c) => c.span.endTimeUnixNano, (c, v) => void (c.span.endTimeUnixNano = v)),
  start_time: timeField((c) => c.span.startTimeUnixNano, (c, v) => void (c.span.startTimeUnixNano = v)),
  end_time: timeField((c) => c.span.endTimeUnixNano, (c, v) => void (c.span.endTimeUnixNano = v)),
  attributes: {
    ...mapPath((c) => c.span.attributes, (c, kvs) => void (c.span.attributes = kvs)),
    lookup: (c, key, keyBytes) => {
      if (c.span instanceof LazySpan) return c.span.attributeValue(keyBytes);
      const kvs = c.span.attributes;
      for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i].value;
      return undefined;
    },
    isString: (c, key, keyBytes, value, valueBytes) => {
      if (c.span instanceof LazySpan) return c.span.attributeIsString(keyBytes, valueBytes);
      const kvs = c.span.attributes;
      for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i].value.stringValue === value;
      return false;
    },
  },
  dropped_attributes_count: numberField((c) => c.span.droppedAttributesCount, (c, v) => void (c.span.droppedAttributesCount = v)),
  dropped_events_count: numberField((c) => c.span.droppedEventsCount, (c, v) => void (c.span.droppedEventsCount = v)),
  dropped_links_count: numberField((c) => c.span.droppedLinksCount, (c, v) => void (c.span.droppedLinksCount = v)),
  flags: numberField((c) => c.span.flags, (c, v) => void (c.span.flags = v)),
  'status.code': numberField((c) => c.span.status?.code ?? 0, (c, v) => void ((c.span.status ??= { message: '', code: 0 }).code = v)),
  'status.message': str((c) => c.span.status?.message ?? '', (c, v) => void ((c.span.status ??= { message: '', code: 0 }).message = v)),
};

const EVENT_FIELDS: Record<string, PathAccessor> = {
  name: str((c) => c.event.name, (c, v) => void (c.event.name = v)),
  time_unix_nano: bigintField((c) => c.event.timeUnixNano, (c, v) => void (c.event.timeUnixNano = v)),
  time: timeField((c) => c.event.timeUnixNano, (c, v) => void (c.event.timeUnixNano = v)),
  attributes: mapPath((c) => c.event.attributes, (c, kvs) => void (c.event.attributes = kvs)),
  dropped_attributes_count: numberField((c) => c.event.droppedAttributesCount, (c, v) => void (c.event.droppedAttributesCount = v)),
};

/** METRIC_DATA_TYPE_* values, from which of the five fields is set. */
export function metricType(metric: Metric): number {
  if (metric.gauge !== undefined) return 1;
  if (metric.sum !== undefined) return 2;
  if (metric.histogram !== undefined) return 3;
  if (metric.exponentialHistogram !== undefined) return 4;
  if (metric.summary !== undefined) return 5;
  return 0;
}

function temporalityHolder(metric: Metric): { aggregationTemporality: number } | undefined {
  return metric.sum ?? metric.histogram ?? metric.exponentialHistogram;
}

const METRIC_FIELDS: Record<string, PathAccessor> = {
  name: str((c) => c.metric.name, (c, v) => void (c.metric.name = v)),
  description: str((c) => c.metric.description, (c, v) => void (c.metric.description = v)),
  unit: str((c) => c.metric.unit, (c, v) => void (c.metric.unit = v)),
  type: numberField((c) => metricType(c.metric), undefined),
  aggregation_temporality: numberField(
    (c) => temporalityHolder(c.metric)?.aggregationTemporality ?? 0,
    (c, v) => {
      const holder = temporalityHolder(c.metric);
      if (holder !== undefined) holder.aggregationTemporality = v;
    },
  ),
  is_monotonic: {
    type: 'bool',
    get: (c) => c.metric.sum?.isMonotonic ?? false,
    set: (c, v) => {
      if (typeof v === 'boolean' && c.metric.sum !== undefined) c.metric.sum.isMonotonic = v;
    },
  },
};

function pointNumber(field: string, kind: 'bigint' | 'number'): PathAccessor {
  return {
    type: kind === 'bigint' ? 'int' : 'float',
    get: (c) => c.point[field] ?? (kind === 'bigint' ? 0n : 0),
    set: (c, v) => {
      if (typeof v === (kind === 'bigint' ? 'bigint' : 'number') && field in c.point) c.point[field] = v;
    },
  };
}

const POINT_FIELDS: Record<string, PathAccessor> = {
  attributes: mapPath((c) => c.point.attributes, (c, kvs) => void (c.point.attributes = kvs)),
  start_time_unix_nano: bigintField((c) => c.point.startTimeUnixNano, (c, v) => void (c.point.startTimeUnixNano = v)),
  time_unix_nano: bigintField((c) => c.point.timeUnixNano, (c, v) => void (c.point.timeUnixNano = v)),
  start_time: timeField((c) => c.point.startTimeUnixNano, (c, v) => void (c.point.startTimeUnixNano = v)),
  time: timeField((c) => c.point.timeUnixNano, (c, v) => void (c.point.timeUnixNano = v)),
  value_double: {
    type: 'float',
    get: (c) => c.point.asDouble ?? 0,
    set: (c, v) => {
      if (typeof v === 'number' && 'exemplars' in c.point && !('bucketCounts' in c.point) && !('quantileValues' in c.point) && !('positive' in c.point)) {
        c.point.asDouble = v;
        c.point.asInt = undefined;
      }
    },
  },
  value_int: {
    type: 'int',
    get: (c) => c.point.asInt ?? 0n,
    set: (c, v) => {
      if (typeof v === 'bigint' && 'exemplars' in c.point && !('bucketCounts' in c.point) && !('quantileValues' in c.point) && !('positive' in c.point)) {
        c.point.asInt = v;
        c.point.asDouble = undefined;
      }
    },
  },
  flags: numberField((c) => c.point.flags, (c, v) => void (c.point.flags = v)),
  count: pointNumber('count', 'bigint'),
  sum: pointNumber('sum', 'number'),
  scale: numberField((c) => c.point.scale ?? 0, (c, v) => void ('scale' in c.point && (c.point.scale = v))),
  zero_count: pointNumber('zeroCount', 'bigint'),
  explicit_bounds: { type: 'list', get: (c) => (c.point.explicitBounds ?? []).slice() },
  bucket_counts: { type: 'list', get: (c) => (c.point.bucketCounts ?? []).slice() },
};

const LOG_FIELDS: Record<string, PathAccessor> = {
  time_unix_nano: bigintField((c) => c.log.timeUnixNano, (c, v) => void (c.log.timeUnixNano = v)),
  observed_time_unix_nano: bigintField((c) => c.log.observedTimeUnixNano, (c, v) => void (c.log.observedTimeUnixNano = v)),
  time: timeField((c) => c.log.timeUnixNano, (c, v) => void (c.log.timeUnixNano = v)),
  observed_time: timeField((c) => c.log.observedTimeUnixNano, (c, v) => void (c.log.observedTimeUnixNano = v)),
  severity_number: numberField((c) => c.log.severityNumber, (c, v) => void (c.log.severityNumber = v)),
  severity_text: str((c) => c.log.severityText, (c, v) => void (c.log.severityText = v)),
  body: {
    type: 'any',
    get: (c) => fromAny(c.log.body),
    set: (c, v) => void (c.log.body = v === null ? undefined : toAny(v)),
    slot: (c, create) => (create ? (c.log.body ??= {}) : c.log.body),
  },
  'body.string': {
    type: 'string',
    get: (c) => {
      const body = fromAny(c.log.body);
      return typeof body === 'string' ? body : body === null ? '' : toText(body);
    },
    set: (c, v) => void (typeof v === 'string' && (c.log.body = { stringValue: v })),
  },
  attributes: mapPath((c) => c.log.attributes, (c, kvs) => void (c.log.attributes = kvs)),
  dropped_attributes_count: numberField((c) => c.log.droppedAttributesCount, (c, v) => void (c.log.droppedAttributesCount = v)),
  flags: numberField((c) => c.log.flags, (c, v) => void (c.log.flags = v)),
  trace_id: bytesField((c) => c.log.traceId, (c, v) => void (c.log.traceId = v), 16),
  'trace_id.string': hexField((c) => c.log.traceId, (c, v) => void (c.log.traceId = v), 16),
  span_id: bytesField((c) => c.log.spanId, (c, v) => void (c.log.spanId = v), 8),
  'span_id.string': hexField((c) => c.log.spanId, (c, v) => void (c.log.spanId = v), 8),
  event_name: str((c) => c.log.eventName, (c, v) => void (c.log.eventName = v)),
};

export const FIELDS: Record<ContextName, Record<string, PathAccessor>> = {
  resource: RESOURCE_FIELDS,
  scope: SCOPE_FIELDS,
  span: SPAN_FIELDS,
  spanevent: EVENT_FIELDS,
  metric: METRIC_FIELDS,
  datapoint: POINT_FIELDS,
  log: LOG_FIELDS,
};

export const CACHE: PathAccessor = {
  type: 'map',
  get: (ctx) => new ValueMap(ctx.cache),
  set: (ctx, value) => {
    if (value instanceof ValueMap) ctx.cache = copyKvs(value.kvs);
  },
  map: (ctx) => ctx.cache,
};

/** Prefixes a path may start with, and the context each names. */
export const PREFIXES: Record<string, ContextName> = {
  resource: 'resource',
  scope: 'scope',
  instrumentation_scope: 'scope',
  span: 'span',
  spanevent: 'spanevent',
  metric: 'metric',
  datapoint: 'datapoint',
  log: 'log',
};

/** Fields the Collector has but Sluice's OTTL does not yet: named so the error says so plainly. */
export const UNSUPPORTED_FIELDS: Record<string, string> = {
  events: 'span events are reached with the spanevent context',
  links: 'span links are not supported yet',
  status: 'use status.code or status.message',
  exemplars: 'exemplars are not supported yet',
  quantile_values: 'summary quantile values are not supported yet',
  positive: 'exponential histogram buckets are not supported yet',
  negative: 'exponential histogram buckets are not supported yet',
  data_points: 'data points are reached with the datapoint context',
  metadata: 'metric metadata is not supported yet',
};

const SEVERITY: Record<string, number> = { UNSPECIFIED: 0 };
for (const [i, level] of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].entries()) {
  SEVERITY[level] = i * 4 + 1;
  for (let n = 2; n <= 4; n++) SEVERITY[`${level}${n}`] = i * 4 + n;
}

export const ENUMS: Record<string, bigint> = {
  SPAN_KIND_UNSPECIFIED: 0n,
  SPAN_KIND_INTERNAL: 1n,
  SPAN_KIND_SERVER: 2n,
  SPAN_KIND_CLIENT: 3n,
  SPAN_KIND_PRODUCER: 4n,
  SPAN_KIND_CONSUMER: 5n,
  STATUS_CODE_UNSET: 0n,
  STATUS_CODE_OK: 1n,
  STATUS_CODE_ERROR: 2n,
  METRIC_DATA_TYPE_NONE: 0n,
  METRIC_DATA_TYPE_GAUGE: 1n,
  METRIC_DATA_TYPE_SUM: 2n,
  METRIC_DATA_TYPE_HISTOGRAM: 3n,
  METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM: 4n,
  METRIC_DATA_TYPE_SUMMARY: 5n,
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0n,
  AGGREGATION_TEMPORALITY_DELTA: 1n,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2n,
  FLAG_NONE: 0n,
  FLAG_NO_RECORDED_VALUE: 1n,
  ...Object.fromEntries(Object.entries(SEVERITY).map(([k, v]) => [`SEVERITY_NUMBER_${k}`, BigInt(v)])),
};
