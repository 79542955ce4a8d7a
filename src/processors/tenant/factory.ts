import type { ConfigProblem, GraphContext, ProcessorFactory } from '../../core/component.ts';
import { unforwardedHeaderProblems } from '../../core/graph.ts';
import { tenantConfigSchema, type TenantConfig } from './config.ts';
import { TenantProcessor } from './processor.ts';

/** A tenant header only reaches the processor when every receiver of the pipeline copies it into batch metadata. */
function validateInGraph(ctx: GraphContext<TenantConfig>): ConfigProblem[] {
  if (!ctx.config.sources.includes('header')) return [];
  return unforwardedHeaderProblems(ctx.pipelines, ctx.config.header, `${ctx.path}.header`);
}

export const tenantProcessorFactory: ProcessorFactory<TenantConfig> = {
  kind: 'processor',
  type: 'tenant',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: tenantConfigSchema,
  validateInGraph,
  create(ctx) {
    const workers = ctx.host.workers === undefined ? undefined : { peers: ctx.host.workers, name: `${ctx.id} quotas in ${ctx.pipelineId}` };
    return new TenantProcessor(ctx.config, ctx.signal, ctx.next, ctx.telemetry, ctx.logger, workers);
  },
};
