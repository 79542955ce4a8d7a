import type { Batch } from '../../core/batch.ts';
import { rewriteResources } from '../../otlp/index.ts';
import { resourceEntries } from '../../otlp/model.ts';
import type { KeyValue, Resource, Signal } from '../../otlp/types.ts';

// Per batch, only resources are touched: on encoded requests each resource is decoded, stamped and
// spliced back, and every span, point and record is copied as bytes. A resource that already
// holds every detected key with the same value (override) or at all (no override) is left as
// its bytes.

export function createStamp(detected: readonly KeyValue[], override: boolean, signal: Signal): (batch: Batch) => void {
  const apply = (resource: Resource): boolean => {
    const attrs = resource.attributes;
    let changed = false;
    for (let d = 0; d < detected.length; d++) {
      const kv = detected[d];
      let i = 0;
      while (i < attrs.length && attrs[i].key !== kv.key) i++;
      if (i === attrs.length) {
        attrs.push({ key: kv.key, value: { stringValue: kv.value.stringValue } }); // a copy: a later processor may edit it in place
        changed = true;
      } else if (override && attrs[i].value.stringValue !== kv.value.stringValue) {
        attrs[i] = { key: kv.key, value: { stringValue: kv.value.stringValue } };
        changed = true;
      }
    }
    return changed;
  };
  return (batch) => {
    if (detected.length === 0) return;
    if (batch.hasBytes) {
      const bytes = batch.bytes();
      const out = rewriteResources(signal, bytes, (resource) => (apply(resource) ? resource : undefined));
      if (out !== bytes) batch.replaceBytes(out);
      return;
    }
    const entries = resourceEntries(signal, batch.mutate());
    for (let i = 0; i < entries.length; i++) apply((entries[i].resource ??= { attributes: [], droppedAttributesCount: 0, entityRefs: [] }));
  };
}
