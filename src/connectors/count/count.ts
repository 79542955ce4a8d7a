import { Batch } from '../../core/batch.ts';
import type { Connector, Consumer } from '../../core/component.ts';
import { PipelineError } from '../../core/errors.ts';
import { internalMetadata } from '../../core/metadata.ts';
import type { CompiledCondition } from '../../ottl/index.ts';
import { compileGroup, EvalContext, walk } from '../../ottl/program.ts';
import { AggregationTemporality, type ExportMetricsServiceRequest, type Metric, type Resource, type ResourceMetrics, type Signal } from '../../otlp/types.ts';
import { KINDS, type CountConfig } from './config.ts';

// Counts the items of each batch by condition and emits the counts at once, as delta sums, one set
// per resource of the batch (the Collector's countconnector). Conditions are compiled once.

interface CountedMetric {
  name: string;
  description: string;
  conditions: CompiledCondition[];
}

interface Level {
  context: (typeof KINDS)[number]['context'];
  metrics: CountedMetric[];
}

export class CountConnector implements Connector {
  readonly #signal: Signal;
  readonly #next: Consumer;
  readonly #levels: Level[] = [];
  readonly #ctx = new EvalContext();
  readonly #now: () => number;

  constructor(config: CountConfig, from: Signal, next: Consumer, now: () => number = Date.now) {
    this.#signal = from;
    this.#next = next;
    this.#now = now;
    for (const kind of KINDS) {
      if (kind.signal !== from) continue;
      const section = config[kind.section];
      const entries = section === undefined || Object.keys(section).length === 0 ? [[kind.defaultName, { description: kind.defaultDescription, conditions: [] as string[] }] as const] : Object.entries(section);
      const metrics = entries.map(([name, m]) => {
        let conditions: CompiledCondition[] = [];
        if (m.conditions.length > 0) {
          const { group, problems } = compileGroup('condition', from, { path: [kind.section, name, 'conditions'], texts: m.conditions, context: kind.context });
          if (group === undefined) throw new Error(problems.map((p) => p.message).join('\n')); // validation reports these first
          conditions = group.conditions;
        }
        return { name, description: m.description, conditions };
      });
      this.#levels.push({ context: kind.context, metrics });
    }
  }

  consume(batch: Batch): Promise<void> {
    const request = batch.request;
    const ctx = this.#ctx;
    ctx.metadata = batch.metadata;
    // Per resource (by its holder in the request), a count per metric, levels in order.
    const counts = new Map<{ resource: Resource | undefined }, number[]>();
    const width = this.#levels.reduce((n, l) => n + l.metrics.length, 0);
    let offset = 0;
    for (const level of this.#levels) {
      const metrics = level.metrics;
      const base = offset;
      walk(this.#signal, request, level.context, ctx, (c) => {
        let row = counts.get(c.resourceHolder);
        if (row === undefined) counts.set(c.resourceHolder, (row = new Array(width).fill(0)));
        for (let i = 0; i < metrics.length; i++) if (matches(metrics[i], c)) row[base + i]++;
        return false;
      }, false);
      offset += metrics.length;
    }
    const out = this.#request(counts);
    if (out === undefined) return Promise.resolve();
    return this.#next.consume(Batch.fromRequest('metrics', out, internalMetadata(batch.metadata.tenant)));
  }

  #request(counts: Map<{ resource: Resource | undefined }, number[]>): ExportMetricsServiceRequest | undefined {
    const now = BigInt(this.#now()) * 1_000_000n;
    const all = this.#levels.flatMap((l) => l.metrics);
    const resourceMetrics: ResourceMetrics[] = [];
    for (const [holder, row] of counts) {
      const metrics: Metric[] = [];
      for (let i = 0; i < all.length; i++) {
        if (row[i] === 0) continue;
        metrics.push({
          name: all[i].name,
          description: all[i].description,
          unit: '',
          sum: { dataPoints: [{ attributes: [], startTimeUnixNano: now, timeUnixNano: now, asInt: BigInt(row[i]), exemplars: [], flags: 0 }], aggregationTemporality: AggregationTemporality.DELTA, isMonotonic: true },
          metadata: [],
        });
      }
      if (metrics.length === 0) continue;
      resourceMetrics.push({
        resource: holder.resource ?? { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
        scopeMetrics: [{ scope: { name: 'countconnector', version: '', attributes: [], droppedAttributesCount: 0 }, metrics, schemaUrl: '' }],
        schemaUrl: '',
      });
    }
    return resourceMetrics.length === 0 ? undefined : { resourceMetrics };
  }
}

function matches(metric: CountedMetric, ctx: EvalContext): boolean {
  const conditions = metric.conditions;
  if (conditions.length === 0) return true;
  for (let i = 0; i < conditions.length; i++) {
    try {
      if (conditions[i].test(ctx)) return true;
    } catch (error) {
      throw new PipelineError('invalid', `count: ${conditions[i].source}: ${(error as Error).message}`);
    }
  }
  return false;
}
