import { Batch } from './batch.ts';
import type { RequestMetadata } from './metadata.ts';
import { modelOf } from '../otlp/model.ts';
import type { ResourceEntryBySignal, Signal } from '../otlp/types.ts';


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
  const model = modelOf(signal);
  const merged: ResourceEntryBySignal[S][] = [];
  for (let i = 0; i < parts.length; i++) {
    const entries = model.entries(parts[i].request);
    for (let j = 0; j < entries.length; j++) merged.push(entries[j]);
  }
  return Batch.fromRequest(signal, model.request(merged), metadata);
}

/**
 * Splits a batch into requests of at most `maxItems` items, cutting inside scopes where needed.
 * Metrics split between metrics, never inside one, so a metric request counts metrics here.
 */
export function splitBatch<S extends Signal>(batch: Batch<S>, maxItems: number): Batch<S>[] {
  if (batch.itemCount <= maxItems) return [batch];
  const model = modelOf(batch.signal);
  const out: Batch<S>[] = [];
  let current: ResourceEntryBySignal[S][] = [];
  let currentItems = 0;
  const flush = () => {
    if (currentItems === 0) return;
    out.push(batch.withRequest(model.request(current)));
    current = [];
    currentItems = 0;
  };
  for (const entry of model.entries(batch.request)) {
    let entryCopy: ResourceEntryBySignal[S] | undefined;
    for (const scoped of model.scopes(entry)) {
      const items = model.items(scoped);
      let start = 0;
      while (start < items.length) {
        const room = maxItems - currentItems;
        const take = Math.min(room, items.length - start);
        if (entryCopy === undefined) {
          entryCopy = model.entry(entry.resource, [], entry.schemaUrl);
          current.push(entryCopy);
        }
        model.scopes(entryCopy).push(model.scoped(scoped.scope, items.slice(start, start + take), scoped.schemaUrl));
        currentItems += take;
        start += take;
        if (currentItems >= maxItems) {
          flush();
          entryCopy = undefined;
        }
      }
    }
  }
  flush();
  return out;
}
