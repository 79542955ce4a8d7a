import type { Batch } from '../../core/batch.ts';
import type { Processor } from '../../core/component.ts';
import { rewriteResources } from '../../otlp/proto/rewrite.ts';
import type { AnyValue, KeyValue, Resource, Signal } from '../../otlp/types.ts';
import type { ResourceAction } from './config.ts';

function toAnyValue(value: string | number | boolean): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
}

/**
 * Inserts, updates, upserts or deletes resource attributes (a DaemonSet agent stamps its node and
 * pod). Only each entry's resource is decoded and re-encoded; spans, points and records are
 * copied as bytes (rewriteResources), so the cost is per resource, not per item.
 */
export class ResourceProcessor implements Processor {
  readonly #signal: Signal;
  readonly #actions: ReadonlyArray<{ key: string; action: string; value: AnyValue | undefined }>;
  readonly #edit: (resource: Resource) => Resource | undefined;

  constructor(actions: readonly ResourceAction[], signal: Signal) {
    this.#signal = signal;
    // Values are built once; every resource gets the same objects.
    this.#actions = actions.map((a) => ({ key: a.key, action: a.action, value: a.value === undefined ? undefined : toAnyValue(a.value) }));
    this.#edit = (resource) => this.#apply(resource);
  }

  process(batch: Batch): Batch {
    const bytes = batch.bytes();
    const out = rewriteResources(this.#signal, bytes, this.#edit);
    if (out !== bytes) batch.replaceBytes(out);
    return batch;
  }

  #apply(resource: Resource): Resource | undefined {
    let attributes: KeyValue[] = resource.attributes;
    let changed = false;
    for (const { key, action, value } of this.#actions) {
      const index = attributes.findIndex((kv) => kv.key === key);
      if (action === 'delete') {
        if (index < 0) continue;
        attributes = attributes.filter((_, i) => i !== index);
      } else if (index < 0) {
        if (action === 'update') continue;
        attributes = [...attributes, { key, value: value! }];
      } else {
        if (action === 'insert') continue;
        attributes = attributes.map((kv, i) => (i === index ? { key, value: value! } : kv));
      }
      changed = true;
    }
    return changed ? { ...resource, attributes } : undefined;
  }
}
