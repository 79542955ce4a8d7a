// The envelopes every signal shares, written once: Export*ServiceRequest { entries },
// Resource*-entry { resource, scopes, schema_url } and Scope*-entry { scope, items, schema_url }.
// A signal brings only its items (span, metric, log record: trace.ts, metrics.ts, logs.ts); the
// field names come from the signal's model and their tags from the schema table.
import { LOGS_MODEL, METRICS_MODEL, TRACES_MODEL, type ModelOf } from '../model.ts';
import type { ItemBySignal, LogRecord, Metric, RequestBySignal, ResourceEntryBySignal, ScopeEntryBySignal, Signal, Span } from '../types.ts';
import { decodeResource, decodeScope, resourceSize, scopeSize, writeResource, writeScope } from './common.ts';
import { decodeLogRecord, logRecordSize, writeLogRecord } from './logs.ts';
import { decodeMetric, metricSize, writeMetric } from './metrics.ts';
import type { ProtoReader } from './reader.ts';
import { fieldTag, knownFields, type MessageName } from './schema.ts';
import { decodeSpanBody, spanSize, writeSpan } from './trace.ts';
import { lenField, type ProtoWriter } from './writer.ts';

// One item's decode, size and write, by signal. The envelope code below is shared by the three
// signals, so V8 keeps one set of call-site feedback for it: calling the item functions through a
// per-signal object made each per-item call generic (decoding logs and metrics 3-4% slower in a
// same-process A/B). Here each call site only ever sees one function, so it stays direct.
function decodeItem<S extends Signal>(signal: S, r: ProtoReader, end: number, index: number): ItemBySignal[S] {
  if (signal === 'traces') return decodeSpanBody(r, end, index) as ItemBySignal[S];
  if (signal === 'metrics') return decodeMetric(r, end) as ItemBySignal[S];
  return decodeLogRecord(r, end, index) as ItemBySignal[S];
}

function itemSize<S extends Signal>(signal: S, w: ProtoWriter, item: ItemBySignal[S]): number {
  if (signal === 'traces') return spanSize(w, item as Span);
  if (signal === 'metrics') return metricSize(w, item as Metric);
  return logRecordSize(w, item as LogRecord);
}

function writeItem<S extends Signal>(signal: S, w: ProtoWriter, item: ItemBySignal[S]): void {
  if (signal === 'traces') writeSpan(w, item as Span);
  else if (signal === 'metrics') writeMetric(w, item as Metric);
  else writeLogRecord(w, item as LogRecord);
}

export interface RequestCodec<Req> {
  decode(r: ProtoReader, end: number): Req;
  size(w: ProtoWriter, req: Req): number;
  write(w: ProtoWriter, req: Req): void;
}

/** The three envelope messages of a signal, by their names in the schema table. */
export interface EnvelopeNames {
  readonly request: MessageName;
  readonly entry: MessageName;
  readonly scoped: MessageName;
}

/** Counts items across a request, so errors can name the item ("span 3: ..."). */
interface ItemCounter {
  items: number;
}

/** Built once per signal at module load. */
function envelopeCodec<S extends Signal>(model: ModelOf<S>, names: EnvelopeNames): RequestCodec<RequestBySignal[S]> {
  const signal = model.signal as S;
  type Req = RequestBySignal[S];
  type Entry = ResourceEntryBySignal[S];
  type Scoped = ScopeEntryBySignal[S];
  const ENTRIES = fieldTag(names.request, model.entriesField);
  const RESOURCE = fieldTag(names.entry, 'resource');
  const SCOPES = fieldTag(names.entry, model.scopesField);
  const ENTRY_SCHEMA_URL = fieldTag(names.entry, 'schemaUrl');
  const SCOPE = fieldTag(names.scoped, 'scope');
  const ITEMS = fieldTag(names.scoped, model.itemsField);
  const SCOPED_SCHEMA_URL = fieldTag(names.scoped, 'schemaUrl');
  const REQUEST_KNOWN = knownFields(names.request);
  const ENTRY_KNOWN = knownFields(names.entry);
  const SCOPED_KNOWN = knownFields(names.scoped);

  function decodeEntry(r: ProtoReader, end: number, counter: ItemCounter): Entry {
    let resource: Entry['resource'];
    const scopes: Scoped[] = [];
    let schemaUrl = '';
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === RESOURCE) resource = decodeResource(r, r.sub(end));
      else if (t === SCOPES) scopes.push(decodeScoped(r, r.sub(end), counter));
      else if (t === ENTRY_SCHEMA_URL) schemaUrl = r.string(end);
      else r.unknown(t, end, ENTRY_KNOWN, names.entry);
    }
    return model.entry(resource, scopes, schemaUrl);
  }

  function decodeScoped(r: ProtoReader, end: number, counter: ItemCounter): Scoped {
    let scope: Scoped['scope'];
    const items: ItemBySignal[S][] = [];
    let schemaUrl = '';
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === ITEMS) items.push(decodeItem(signal, r, r.sub(end), counter.items++));
      else if (t === SCOPE) scope = decodeScope(r, r.sub(end));
      else if (t === SCOPED_SCHEMA_URL) schemaUrl = r.string(end);
      else r.unknown(t, end, SCOPED_KNOWN, names.scoped);
    }
    return model.scoped(scope, items, schemaUrl);
  }

  function entrySize(w: ProtoWriter, entry: Entry): number {
    let n = 0;
    if (entry.resource !== undefined) {
      const slot = w.reserve();
      const b = resourceSize(w, entry.resource);
      w.setSize(slot, b);
      n += lenField(b);
    }
    const scopes = model.scopes(entry);
    for (let i = 0; i < scopes.length; i++) {
      const slot = w.reserve();
      const b = scopedSize(w, scopes[i]);
      w.setSize(slot, b);
      n += lenField(b);
    }
    if (entry.schemaUrl !== '') n += 1 + w.stringSize(entry.schemaUrl);
    return n;
  }

  function scopedSize(w: ProtoWriter, scoped: Scoped): number {
    let n = 0;
    if (scoped.scope !== undefined) {
      const slot = w.reserve();
      const b = scopeSize(w, scoped.scope);
      w.setSize(slot, b);
      n += lenField(b);
    }
    const items = model.items(scoped);
    for (let i = 0; i < items.length; i++) {
      const slot = w.reserve();
      const b = itemSize(signal, w, items[i]);
      w.setSize(slot, b);
      n += lenField(b);
    }
    if (scoped.schemaUrl !== '') n += 1 + w.stringSize(scoped.schemaUrl);
    return n;
  }

  function writeEntry(w: ProtoWriter, entry: Entry): void {
    if (entry.resource !== undefined) {
      w.messageHeader(RESOURCE);
      writeResource(w, entry.resource);
    }
    const scopes = model.scopes(entry);
    for (let i = 0; i < scopes.length; i++) {
      w.messageHeader(SCOPES);
      writeScoped(w, scopes[i]);
    }
    if (entry.schemaUrl !== '') {
      w.tag(ENTRY_SCHEMA_URL);
      w.string(entry.schemaUrl);
    }
  }

  function writeScoped(w: ProtoWriter, scoped: Scoped): void {
    if (scoped.scope !== undefined) {
      w.messageHeader(SCOPE);
      writeScope(w, scoped.scope);
    }
    const items = model.items(scoped);
    for (let i = 0; i < items.length; i++) {
      w.messageHeader(ITEMS);
      writeItem(signal, w, items[i]);
    }
    if (scoped.schemaUrl !== '') {
      w.tag(SCOPED_SCHEMA_URL);
      w.string(scoped.schemaUrl);
    }
  }

  return {
    decode(r: ProtoReader, end: number): Req {
      const entries: Entry[] = [];
      const counter: ItemCounter = { items: 0 };
      while (r.pos < end) {
        const t = r.tag(end);
        if (t === ENTRIES) entries.push(decodeEntry(r, r.sub(end), counter));
        else r.unknown(t, end, REQUEST_KNOWN, names.request);
      }
      return model.request(entries);
    },
    size(w: ProtoWriter, req: Req): number {
      const entries = model.entries(req);
      let n = 0;
      for (let i = 0; i < entries.length; i++) {
        const slot = w.reserve();
        const b = entrySize(w, entries[i]);
        w.setSize(slot, b);
        n += lenField(b);
      }
      return n;
    },
    write(w: ProtoWriter, req: Req): void {
      const entries = model.entries(req);
      for (let i = 0; i < entries.length; i++) {
        w.messageHeader(ENTRIES);
        writeEntry(w, entries[i]);
      }
    },
  };
}

export const TRACES_CODEC = envelopeCodec<'traces'>(TRACES_MODEL, {
  request: 'ExportTraceServiceRequest',
  entry: 'ResourceSpans',
  scoped: 'ScopeSpans',
});
export const METRICS_CODEC = envelopeCodec<'metrics'>(METRICS_MODEL, {
  request: 'ExportMetricsServiceRequest',
  entry: 'ResourceMetrics',
  scoped: 'ScopeMetrics',
});
export const LOGS_CODEC = envelopeCodec<'logs'>(LOGS_MODEL, { request: 'ExportLogsServiceRequest', entry: 'ResourceLogs', scoped: 'ScopeLogs' });
