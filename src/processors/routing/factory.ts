import type { ConfigProblem, GraphContext, ProcessorFactory } from '../../core/component.ts';
import { routingConfigSchema, type RoutingConfig } from './config.ts';
import { RoutingProcessor } from './routing-processor.ts';

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
