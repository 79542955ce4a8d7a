import { compileActions } from '../../attraction/index.ts';
import type { Batch } from '../../core/batch.ts';
import { rewriteResources } from '../../otlp/index.ts';
import { RESOURCE_FIELD, type Resource, type Signal } from '../../otlp/types.ts';
import type { ResourceConfig } from './config.ts';

// Resource attributes only, so items are never decoded: on encoded batches each resource is
// decoded, edited and spliced back with every span, point and record copied verbatim. A request
// without a resource gets one when an action adds an attribute, as the Collector's (always
// present) pdata resource would.

export function createResourceEdit(config: ResourceConfig, signal: Signal): (batch: Batch) => void {
  const edit = compileActions(config.attributes);
  const field = RESOURCE_FIELD[signal];
  return (batch) => {
    if (batch.hasBytes) {
      const rewritten = rewriteResources(signal, batch.bytes(), (resource) => {
        edit(resource.attributes, batch.metadata);
        return resource;
      });
      batch.replaceBytes(rewritten);
      return;
    }
    const request = batch.mutate() as unknown as Record<string, Array<{ resource: Resource | undefined }>>;
    const list = request[field];
    for (let i = 0; i < list.length; i++) {
      const holder = list[i];
      const resource = (holder.resource ??= { attributes: [], droppedAttributesCount: 0, entityRefs: [] });
      edit(resource.attributes, batch.metadata);
    }
  };
}
