import { z } from 'zod';
import type { Batch } from '../../core/batch.ts';
import type { Consumer, ProcessorFactory } from '../../core/component.ts';

// The Collector routes with a connector; Sluice keeps one pipeline and lets its last processor
// pick the exporters, which a Collector user knows from the former routing processor.

const routeSchema = z
  .object({
    tenants: z.array(z.string().min(1)).min(1),
    exporters: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const routingConfigSchema = z
  .object({
    /** First matching route wins. */
    table: z.array(routeSchema).default([]),
    /** Where batches of tenants no route names go; empty drops them (counted as outgoing 0). */
    default_exporters: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type RoutingConfig = z.output<typeof routingConfigSchema>;

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

export const routingProcessorFactory: ProcessorFactory<RoutingConfig> = {
  kind: 'processor',
  type: 'routing',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: routingConfigSchema,
  create(ctx) {
    return new RoutingProcessor(ctx.config, ctx.exporters, ctx.id);
  },
};
