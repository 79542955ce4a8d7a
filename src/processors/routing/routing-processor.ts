import type { Batch } from '../../core/batch.ts';
import type { Consumer } from '../../core/component.ts';
import type { RoutingConfig } from './config.ts';

// The Collector routes with a connector (see connectors/routing); Sluice also keeps this processor:
// within one pipeline its last processor picks the exporters by tenant, which a Collector user
// knows from the former routing processor.

export class RoutingProcessor {
  readonly #routes = new Map<string, Consumer[]>();
  readonly #fallback: Consumer[];

  constructor(config: RoutingConfig, exporters: ReadonlyMap<string, Consumer>, id: string) {
    const resolve = (ids: readonly string[], path: string): Consumer[] =>
      ids.map((exporterId) => {
        const consumer = exporters.get(exporterId);
        if (consumer === undefined) throw new Error(`processor ${id}: ${path} names exporter "${exporterId}", which is not in this pipeline's exporters`);
        return consumer;
      });
    config.table.forEach((route, i) => {
      const consumers = resolve(route.exporters, `table[${i}].exporters`);
      for (const tenant of route.tenants) if (!this.#routes.has(tenant)) this.#routes.set(tenant, consumers);
    });
    this.#fallback = resolve(config.default_exporters, 'default_exporters');
  }

  async process(batch: Batch): Promise<null> {
    const tenant = batch.metadata.tenant;
    const targets = (tenant === undefined ? undefined : this.#routes.get(tenant)) ?? this.#fallback;
    await Promise.all(targets.map((consumer) => consumer.consume(batch)));
    return null;
  }
}
