import type { ConfigProblem, GraphContext, ProcessorFactory } from '../../core/component.ts';
import { tenantConfigSchema, type TenantConfig } from './config.ts';
import { TenantProcessor } from './processor.ts';

/** A tenant header only reaches the processor when every receiver of the pipeline copies it into batch metadata. */
function validateInGraph(ctx: GraphContext<TenantConfig>): ConfigProblem[] {
  if (!ctx.config.sources.includes('header')) return [];
  const problems: ConfigProblem[] = [];
  for (const pipeline of ctx.pipelines) {
    for (const receiver of pipeline.receivers) {
      const forwarded = receiver.metadataHeaders;
      if (forwarded === undefined || forwarded.includes(ctx.config.header)) continue;
      problems.push({
        path: `${ctx.path}.header`,
        message: `receiver "${receiver.id}" of pipeline ${pipeline.id} does not pass header "${ctx.config.header}" on: add it to receivers.${receiver.id}.metadata_headers`,
      });
    }
  }
  return problems;
}

export const tenantProcessorFactory: ProcessorFactory<TenantConfig> = {
  kind: 'processor',
  type: 'tenant',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  configSchema: tenantConfigSchema,
  validateInGraph,
  create(ctx) {
    return new TenantProcessor(ctx.config, ctx.signal, ctx.next, ctx.telemetry, ctx.logger);
  },
};
