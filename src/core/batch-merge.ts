import { Batch } from './batch.ts';
import type { RequestMetadata } from './metadata.ts';
import { RESOURCE_FIELD, type RequestBySignal, type Signal } from '../otlp/types.ts';


/**
 * One batch from several. When every part still has its encoded bytes, the bytes are concatenated:
 * an Export*ServiceRequest is one repeated field, so concatenated requests are a valid request,
 * and nothing is decoded. The concatenation stays a list of the parts' bytes until someone needs
 * one buffer: an exporter that writes the pieces in turn never copies them.
 */
export function mergeBatches<S extends Signal>(signal: S, parts: readonly Batch<S>[], metadata: RequestMetadata): Batch<S> {
  if (parts.length === 1) return parts[0];
  let allBytes = true;
  let items = 0;
  for (let i = 0; i < parts.length; i++) {
    allBytes &&= parts[i].hasBytes;
    items += parts[i].itemCount;
  }
  if (allBytes) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < parts.length; i++) {
      const pieces = parts[i].byteChunks();
      for (let j = 0; j < pieces.length; j++) chunks.push(pieces[j]);
    }
    return Batch.fromChunks(signal, chunks, items, metadata);
  }
  const field = RESOURCE_FIELD[signal];
  const merged: unknown[] = [];
  for (let i = 0; i < parts.length; i++) {
    const entries = (parts[i].request as unknown as Record<string, unknown[]>)[field];
    for (let j = 0; j < entries.length; j++) merged.push(entries[j]);
  }
  return Batch.fromRequest(signal, { [field]: merged } as unknown as RequestBySignal[S], metadata);
}

/**
 * Splits a batch into requests of at most `maxItems` items, cutting inside scopes where needed.
 * Metrics split between metrics, never inside one, so a metric request counts metrics here.
 */
export function splitBatch<S extends Signal>(batch: Batch<S>, maxItems: number): Batch<S>[] {
  if (batch.itemCount <= maxItems) return [batch];
  const field = RESOURCE_FIELD[batch.signal];
  const out: Batch<S>[] = [];
  let current: unknown[] = [];
  let currentItems = 0;
  const flush = () => {
    if (currentItems === 0) return;
    out.push(batch.withRequest({ [field]: current } as unknown as RequestBySignal[S]));
    current = [];
    currentItems = 0;
  };
  for (const resource of (batch.request as unknown as Record<string, ResourceEntry[]>)[field]) {
    const scopeField = scopeKey(resource);
    let resourceCopy: ResourceEntry | undefined;
    for (const scope of resource[scopeField] as ScopeEntry[]) {
      const itemField = itemKey(scope);
      const items = scope[itemField] as unknown[];
      let start = 0;
      while (start < items.length) {
        const room = maxItems - currentItems;
        const take = Math.min(room, items.length - start);
        if (resourceCopy === undefined) {
          resourceCopy = { ...resource, [scopeField]: [] };
          current.push(resourceCopy);
        }
        (resourceCopy[scopeField] as ScopeEntry[]).push({ ...scope, [itemField]: items.slice(start, start + take) });
        currentItems += take;
        start += take;
        if (currentItems >= maxItems) {
          flush();
          resourceCopy = undefined;
        }
      }
    }
  }
  flush();
  return out;
}

type ResourceEntry = Record<string, unknown>;
type ScopeEntry = Record<string, unknown>;

function scopeKey(resource: ResourceEntry): string {
  return 'scopeSpans' in resource ? 'scopeSpans' : 'scopeMetrics' in resource ? 'scopeMetrics' : 'scopeLogs';
}

function itemKey(scope: ScopeEntry): string {
  return 'spans' in scope ? 'spans' : 'metrics' in scope ? 'metrics' : 'logRecords';
}

