import { Batch } from '../../core/batch.ts';
import type { Connector, Consumer } from '../../core/component.ts';
import { PipelineError } from '../../core/errors.ts';
import type { CompiledCondition } from '../../ottl/index.ts';
import { compileGroup, EvalContext } from '../../ottl/program.ts';
import { modelOf } from '../../otlp/model.ts';
import type { Signal } from '../../otlp/types.ts';
import type { RoutingConnectorConfig } from './config.ts';

// Routes each resource of a batch to the pipelines of the first route that matches it. A batch
// whose resources all take one route is handed on whole (its bytes untouched); otherwise it is
// split into one request per route.

interface Route {
  condition: CompiledCondition | undefined;
  tenants: ReadonlySet<string> | undefined;
  targets: Consumer[];
}

export class RoutingConnector implements Connector {
  readonly #signal: Signal;
  readonly #routes: Route[];
  readonly #fallback: Consumer[];
  readonly #ignoreErrors: boolean;
  readonly #entries: string;
  readonly #ctx = new EvalContext();

  constructor(config: RoutingConnectorConfig, signal: Signal, pipelines: ReadonlyMap<string, Consumer>) {
    this.#signal = signal;
    const targets = (ids: readonly string[]) => ids.map((id) => pipelines.get(id)).filter((c): c is Consumer => c !== undefined);
    this.#routes = config.table.map((route) => {
      let condition: CompiledCondition | undefined;
      if (route.condition !== undefined) {
        const { group, problems } = compileGroup('condition', signal, { path: ['condition'], texts: [route.condition], context: 'resource' });
        if (group === undefined) throw new Error(problems.map((p) => p.message).join('\n')); // validation reports it first
        condition = group.conditions[0];
      }
      return { condition, tenants: route.tenants === undefined ? undefined : new Set(route.tenants), targets: targets(route.pipelines) };
    });
    this.#fallback = targets(config.default_pipelines);
    this.#ignoreErrors = config.error_mode !== 'propagate';
    this.#entries = modelOf(signal).entriesField;
  }

  async consume(batch: Batch): Promise<void> {
    const tenant = batch.metadata.tenant;
    const byTenant = tenant === undefined ? -1 : this.#routes.findIndex((r) => r.tenants?.has(tenant) === true);
    const conditional = this.#routes.some((r) => r.condition !== undefined);
    if (!conditional || byTenant === 0) return this.#send(byTenant < 0 ? this.#fallback : this.#routes[byTenant].targets, batch);

    const request = batch.request as unknown as Record<string, unknown[]>;
    const entries = request[this.#entries];
    const ctx = this.#ctx;
    ctx.metadata = batch.metadata;
    const chosen = new Int32Array(entries.length);
    for (let e = 0; e < entries.length; e++) chosen[e] = this.#match(entries[e] as { resource: never }, tenant);
    if (chosen.every((c) => c === chosen[0])) return this.#send(chosen[0] < 0 ? this.#fallback : this.#routes[chosen[0]].targets, batch);
    const sends: Promise<void>[] = [];
    for (const route of new Set(chosen)) {
      const part = { ...request, [this.#entries]: entries.filter((_, e) => chosen[e] === route) };
      const targets = route < 0 ? this.#fallback : this.#routes[route].targets;
      sends.push(this.#send(targets, Batch.fromRequest(this.#signal, part as never, { ...batch.metadata })));
    }
    await Promise.all(sends);
  }

  /** The first route that takes this resource, or -1. */
  #match(entry: { resource: never }, tenant: string | undefined): number {
    const ctx = this.#ctx;
    ctx.resourceHolder = entry;
    for (let i = 0; i < this.#routes.length; i++) {
      const route = this.#routes[i];
      if (route.tenants !== undefined) {
        if (tenant !== undefined && route.tenants.has(tenant)) return i;
        continue;
      }
      try {
        if (route.condition!.test(ctx)) return i;
      } catch (error) {
        if (!this.#ignoreErrors) throw new PipelineError('invalid', `routing: ${route.condition!.source}: ${(error as Error).message}`);
      }
    }
    return -1;
  }

  async #send(targets: readonly Consumer[], batch: Batch): Promise<void> {
    if (targets.length === 0) return;
    if (targets.length === 1) return targets[0].consume(batch);
    // Each downstream pipeline gets its own copy: they may edit it.
    await Promise.all(targets.map((t, i) => t.consume(i === 0 ? batch : batch.clone({ ...batch.metadata }))));
  }
}
