import { compileActions } from '../../attraction/index.ts';
import type { Batch } from '../../core/batch.ts';
import { rewriteResources } from '../../otlp/index.ts';
import { resourceEntries } from '../../otlp/model.ts';
import type { Signal } from '../../otlp/types.ts';
import type { ResourceConfig } from './config.ts';

// Resource attributes only, so items are never decoded: on encoded batches each resource is
// decoded, edited and spliced back with every span, point and record copied verbatim. A request
// without a resource gets one when an action adds an attribute, as the Collector's (always
// present) pdata resource would.

export function createResourceEdit(config: ResourceConfig, signal: Signal): (batch: Batch) => void {
  const edit = compileActions(config.attributes);
  return (batch) => {
    if (batch.hasBytes) {
      const rewritten = rewriteResources(signal, batch.bytes(), (resource) => {
        edit(resource.attributes, batch.metadata);
        return resource;
      });
      batch.replaceBytes(rewritten);
      return;
    }
    const entries = resourceEntries(signal, batch.mutate());
    for (let i = 0; i < entries.length; i++) {
      const resource = (entries[i].resource ??= { attributes: [], droppedAttributesCount: 0, entityRefs: [] });
      edit(resource.attributes, batch.metadata);
    }
  };
}
