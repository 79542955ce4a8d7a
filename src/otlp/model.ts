// The shape the three signals share, so code that works on "the resources of a request", "the
// scopes of a resource", "the items of a scope" or "every attribute list" is written once:
//
//   Export*ServiceRequest ─ entries ─► Resource{Spans,Metrics,Logs} { resource, scopes, schemaUrl }
//                                        └─ scopes ─► Scope{Spans,Metrics,Logs} { scope, items, schemaUrl }
//                                                       └─ items ─► Span | Metric | LogRecord
//
// A metric's items are its data points (points of any of its five kinds, see metricPoints).
// Each signal's accessors are tiny monomorphic functions, so generic callers stay fast; the
// protobuf codec's envelopes (proto/envelope.ts) and the batch, tenant and debug components use them.
import type {
  DataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  Resource,
  Span,
} from './types.ts';
import type { ItemBySignal, RequestBySignal, ResourceEntryBySignal, ScopeEntryBySignal, Signal } from './types.ts';

/** What every Resource*-entry has, whatever the signal. */
export interface ResourceEntry {
  resource: Resource | undefined;
  schemaUrl: string;
}

/** What every Scope*-entry has, whatever the signal. */
export interface ScopeEntry {
  scope: InstrumentationScope | undefined;
  schemaUrl: string;
}

/** One signal's layout: field names (as in the schema table and OTLP/JSON) and accessors. */
export interface SignalModel<Req, Entry extends ResourceEntry, Scoped extends ScopeEntry, Item> {
  readonly signal: Signal;
  /** Field names of the request's entries, an entry's scopes and a scope's items. */
  readonly entriesField: string;
  readonly scopesField: string;
  readonly itemsField: string;
  entries(req: Req): Entry[];
  setEntries(req: Req, entries: Entry[]): void;
  request(entries: Entry[]): Req;
  scopes(entry: Entry): Scoped[];
  /** A new entry; every field is assigned in one order, so entries keep one hidden class. */
  entry(resource: Resource | undefined, scopes: Scoped[], schemaUrl: string): Entry;
  items(scoped: Scoped): Item[];
  scoped(scope: InstrumentationScope | undefined, items: Item[], schemaUrl: string): Scoped;
}

export type ModelOf<S extends Signal> = SignalModel<RequestBySignal[S], ResourceEntryBySignal[S], ScopeEntryBySignal[S], ItemBySignal[S]>;

export const TRACES_MODEL: ModelOf<'traces'> = {
  signal: 'traces',
  entriesField: 'resourceSpans',
  scopesField: 'scopeSpans',
  itemsField: 'spans',
  entries: (req) => req.resourceSpans,
  setEntries: (req, resourceSpans) => void (req.resourceSpans = resourceSpans),
  request: (resourceSpans) => ({ resourceSpans }),
  scopes: (entry) => entry.scopeSpans,
  entry: (resource, scopeSpans, schemaUrl) => ({ resource, scopeSpans, schemaUrl }),
  items: (scoped) => scoped.spans,
  scoped: (scope, spans, schemaUrl) => ({ scope, spans, schemaUrl }),
};

export const METRICS_MODEL: ModelOf<'metrics'> = {
  signal: 'metrics',
  entriesField: 'resourceMetrics',
  scopesField: 'scopeMetrics',
  itemsField: 'metrics',
  entries: (req) => req.resourceMetrics,
  setEntries: (req, resourceMetrics) => void (req.resourceMetrics = resourceMetrics),
  request: (resourceMetrics) => ({ resourceMetrics }),
  scopes: (entry) => entry.scopeMetrics,
  entry: (resource, scopeMetrics, schemaUrl) => ({ resource, scopeMetrics, schemaUrl }),
  items: (scoped) => scoped.metrics,
  scoped: (scope, metrics, schemaUrl) => ({ scope, metrics, schemaUrl }),
};

export const LOGS_MODEL: ModelOf<'logs'> = {
  signal: 'logs',
  entriesField: 'resourceLogs',
  scopesField: 'scopeLogs',
  itemsField: 'logRecords',
  entries: (req) => req.resourceLogs,
  setEntries: (req, resourceLogs) => void (req.resourceLogs = resourceLogs),
  request: (resourceLogs) => ({ resourceLogs }),
  scopes: (entry) => entry.scopeLogs,
  entry: (resource, scopeLogs, schemaUrl) => ({ resource, scopeLogs, schemaUrl }),
  items: (scoped) => scoped.logRecords,
  scoped: (scope, logRecords, schemaUrl) => ({ scope, logRecords, schemaUrl }),
};

const MODELS: { readonly [S in Signal]: ModelOf<S> } = { traces: TRACES_MODEL, metrics: METRICS_MODEL, logs: LOGS_MODEL };

export function modelOf<S extends Signal>(signal: S): ModelOf<S> {
  return MODELS[signal];
}

/** The request's Resource*-entries (resourceSpans, resourceMetrics or resourceLogs). */
export function resourceEntries<S extends Signal>(signal: S, req: RequestBySignal[S]): ResourceEntryBySignal[S][] {
  return modelOf(signal).entries(req);
}

/** A request of `signal` holding exactly these entries (not copied). */
export function requestOf<S extends Signal>(signal: S, entries: ResourceEntryBySignal[S][]): RequestBySignal[S] {
  return modelOf(signal).request(entries);
}

// ---- metric data points ----

const NO_POINTS: readonly DataPoint[] = [];

/** The data points of a metric, whichever of its five kinds is set (none when no kind is). */
export function metricPoints(m: Metric): readonly DataPoint[] {
  if (m.gauge !== undefined) return m.gauge.dataPoints;
  if (m.sum !== undefined) return m.sum.dataPoints;
  if (m.histogram !== undefined) return m.histogram.dataPoints;
  if (m.exponentialHistogram !== undefined) return m.exponentialHistogram.dataPoints;
  if (m.summary !== undefined) return m.summary.dataPoints;
  return NO_POINTS;
}

// ---- attribute lists ----

/**
 * Where an attribute list sits. `item` is a span, a log record or a metric data point; a metric's
 * own `metadata` and exemplars' filtered attributes are not visited.
 */
export type AttributeLevel = 'resource' | 'scope' | 'item' | 'event' | 'link';

/**
 * An attribute edit as a pure function: given a list and where it sits, returns its replacement,
 * or undefined to keep it. The list passed in must not be changed in place.
 */
export type AttributeEdit = (attributes: KeyValue[], level: AttributeLevel) => KeyValue[] | undefined;

/**
 * Applies `edit` to every resource, scope and item attribute list of a decoded request (and to
 * span events and links), replacing each list it returns. The request must be the caller's to
 * change (Batch.mutate()); only the `attributes` properties are reassigned.
 */
export function editAttributes<S extends Signal>(signal: S, req: RequestBySignal[S], edit: AttributeEdit): void {
  const model = modelOf(signal);
  const entries = model.entries(req);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry.resource !== undefined) editList(entry.resource, 'resource', edit);
    const scopes = model.scopes(entry);
    for (let j = 0; j < scopes.length; j++) {
      const scoped = scopes[j];
      if (scoped.scope !== undefined) editList(scoped.scope, 'scope', edit);
      const items = model.items(scoped);
      if (signal === 'metrics') editMetrics(items as Metric[], edit);
      else if (signal === 'traces') editSpans(items as Span[], edit);
      else for (let k = 0; k < items.length; k++) editList(items[k] as LogRecord, 'item', edit);
    }
  }
}

function editList(holder: { attributes: KeyValue[] }, level: AttributeLevel, edit: AttributeEdit): void {
  const replaced = edit(holder.attributes, level);
  if (replaced !== undefined) holder.attributes = replaced;
}

function editSpans(spans: Span[], edit: AttributeEdit): void {
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    editList(span, 'item', edit);
    for (let e = 0; e < span.events.length; e++) editList(span.events[e], 'event', edit);
    for (let l = 0; l < span.links.length; l++) editList(span.links[l], 'link', edit);
  }
}

function editMetrics(metrics: Metric[], edit: AttributeEdit): void {
  for (let i = 0; i < metrics.length; i++) {
    const points = metricPoints(metrics[i]);
    for (let p = 0; p < points.length; p++) editList(points[p], 'item', edit);
  }
}
