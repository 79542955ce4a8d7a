import type { ExporterFactory } from '../../core/component.ts';
import type { ConfigProblem } from '../../core/graph.ts';
import { loadBalancingExporterConfigSchema, type LoadBalancingExporterConfig } from './config.ts';
import { LoadBalancingExporter, routingRule } from './loadbalancing.ts';

export const loadBalancingExporterFactory: ExporterFactory<LoadBalancingExporterConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  // The Collector renamed it load_balancing; both spellings carry over.
  aliases: ['load_balancing'],
  signals: ['traces', 'metrics', 'logs'],
  configSchema: loadBalancingExporterConfigSchema,
  exampleConfig: ({ grpcEndpoint }) => ({ resolver: { static: { hostnames: [grpcEndpoint] } }, protocol: { otlp: { tls: { insecure: true } } } }),
  // A routing key that does not fit a pipeline's signal (traceID on metrics) is reported with the rest.
  validateInGraph(ctx) {
    const problems: ConfigProblem[] = [];
    for (const pipeline of ctx.pipelines) {
      try {
        routingRule(pipeline.signal, ctx.config.routing_key);
      } catch (error) {
        problems.push({ path: `${ctx.path}.routing_key`, message: `${(error as Error).message} (pipeline ${pipeline.id})` });
      }
    }
    return problems;
  },
  async create(ctx) {
    // grpc-js loads only when a load balancer is configured, as for the otlp exporter.
    const { createOtlpGrpcExporter } = await import('../shared/otlp-grpc-exporter.ts');
    return new LoadBalancingExporter(ctx, createOtlpGrpcExporter);
  },
};
