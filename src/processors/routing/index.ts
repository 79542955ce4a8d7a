import { z } from 'zod';
import type { Batch } from '../../core/batch.ts';
import type { ConfigProblem, Consumer, GraphContext, ProcessorFactory } from '../../core/component.ts';

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

/**
 * Routing hands batches to exporters and passes nothing on, so it must be the pipeline's last
 * processor (one after it would never see data), and it may name only that pipeline's exporters.
 */
function validateInGraph(ctx: GraphContext<RoutingConfig>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const pipeline of ctx.pipelines) {
    const position = pipeline.processors.findIndex((p) => p.id === ctx.id);
    if (position >= 0 && position < pipeline.processors.length - 1) {
      const after = pipeline.processors.slice(position + 1).map((p) => `"${p.id}"`).join(', ');
      problems.push({
        path: `${pipeline.path}.processors[${position}]`,
        message: `"${ctx.id}" must be the last processor: it hands batches to exporters, so ${after} after it would never see data`,
      });
    }
    const inPipeline = new Set(pipeline.exporters.map((e) => e.id));
    const listed = [...inPipeline].map((id) => `"${id}"`).join(', ');
    const checkIds = (ids: readonly string[], path: string) => {
      for (const [i, exporterId] of ids.entries()) {
        if (!inPipeline.has(exporterId)) {
          problems.push({ path: `${ctx.path}.${path}[${i}]`, message: `exporter "${exporterId}" is not among the exporters of pipeline ${pipeline.id} (${listed}); add it there` });
        }
      }
    };
    ctx.config.table.forEach((route, i) => checkIds(route.exporters, `table[${i}].exporters`));
    checkIds(ctx.config.default_exporters, 'default_exporters');
  }
  return problems;
}

export const routingProcessorFactory: ProcessorFactory<RoutingConfig> = {
  kind: 'processor',
  type: 'routing',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: routingConfigSchema,
  exampleConfig: ({ exporterId }) => ({ default_exporters: [exporterId] }),
  validateInGraph,
  create(ctx) {
    return new RoutingProcessor(ctx.config, ctx.exporters, ctx.id);
  },
};
