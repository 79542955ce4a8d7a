import type { ConfigProblem, ConnectorFactory, GraphContext } from '../../core/component.ts';
import { routingConfigSchema, type RoutingConnectorConfig } from './config.ts';
import { RoutingConnector } from './routing.ts';

export const routingConnectorFactory: ConnectorFactory<RoutingConnectorConfig> = {
  kind: 'connector',
  type: 'routing',
  pairs: [
    ['traces', 'traces'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ],
  passesBatchesOn: true,
  configSchema: routingConfigSchema,
  /** Every pipeline a route names must receive from this connector, or the route would send nowhere. */
  validateInGraph(ctx: GraphContext<RoutingConnectorConfig>): ConfigProblem[] {
    const receiving = new Set(ctx.pipelines.filter((p) => p.receivers.some((r) => r.id === ctx.id)).map((p) => p.id));
    const problems: ConfigProblem[] = [];
    const check = (ids: readonly string[] | undefined, path: string) =>
      (ids ?? []).forEach((id, i) => {
        if (!receiving.has(id)) problems.push({ path: `${path}[${i}]`, message: `pipeline "${id}" does not list "${ctx.id}" as a receiver${receiving.size > 0 ? ` (it feeds: ${[...receiving].join(', ')})` : ''}` });
      });
    (ctx.config.table ?? []).forEach((route, r) => check(route?.pipelines, `${ctx.path}.table[${r}].pipelines`));
    check(ctx.config.default_pipelines, `${ctx.path}.default_pipelines`);
    return problems;
  },
  exampleConfig: () => ({ table: [{ tenants: ['acme'], pipelines: ['traces'] }], default_pipelines: ['traces'] }),
  create(ctx) {
    return new RoutingConnector(ctx.config, ctx.from, ctx.pipelines);
  },
};
