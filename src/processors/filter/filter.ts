import type { Batch } from '../../core/batch.ts';
import { PipelineError } from '../../core/errors.ts';
import type { CompiledCondition, ContextName } from '../../ottl/index.ts';
import { compileGroup, EvalContext, walk, type ErrorMode } from '../../ottl/program.ts';
import { DROP, KEEP, LazySpan, rewriteSpans, type SpanVisitor } from '../../ottl/span-bytes.ts';
import type { Signal } from '../../otlp/types.ts';
import { conditionSources, type FilterConfig } from './config.ts';

// Drops every item for which any condition of its context holds, outermost context first (a
// dropped resource takes its spans; a dropped span takes its events; a metric left without data
// points goes, and so do empty scopes and resources). The request is decoded to read it, but
// re-encoded only when something was dropped: a batch that passes untouched keeps its bytes.
// Span conditions on an encoded trace batch never decode it: each span is read where it lies
// (one attribute value per `attributes["k"]`), and dropped spans are cut out of the bytes.

export interface FilterErrors {
  onError(condition: string, error: Error): void;
}

const ORDER: ContextName[] = ['resource', 'scope', 'span', 'spanevent', 'metric', 'datapoint', 'log'];

export function createFilter(config: FilterConfig, signal: Signal, errors: FilterErrors): (batch: Batch) => Batch | null {
  const byContext = new Map<ContextName, CompiledCondition[]>();
  for (const source of conditionSources(config, signal)) {
    const { group, problems } = compileGroup('condition', signal, source);
    if (group === undefined) throw new Error(problems.map((p) => p.message).join('\n'));
    const list = byContext.get(group.context) ?? [];
    list.push(...group.conditions);
    byContext.set(group.context, list);
  }
  const levels = ORDER.filter((context) => byContext.has(context)).map((context) => ({ context, conditions: byContext.get(context)! }));
  const mode: ErrorMode = config.error_mode;
  const ctx = new EvalContext();
  let dropped = 0;
  const visits = levels.map(({ conditions }) => (c: EvalContext): boolean => {
    for (let i = 0; i < conditions.length; i++) {
      let hit: boolean;
      try {
        hit = conditions[i].test(c);
      } catch (error) {
        if (mode === 'propagate') throw new PipelineError('invalid', `filter: ${conditions[i].source}: ${(error as Error).message}`);
        if (mode === 'ignore') errors.onError(conditions[i].source, error as Error);
        continue;
      }
      if (hit) {
        dropped++;
        return true;
      }
    }
    return false;
  });
  const spanOnly = signal === 'traces' && levels.length === 1 && levels[0].context === 'span' ? visits[0] : undefined;
  const lazy = new LazySpan();
  const visitor: SpanVisitor = {
    resource: (resource) => void (ctx.resourceHolder = { resource }),
    scope: (scope) => void (ctx.scopeHolder = { scope }),
    span: (bytes, start, end) => {
      lazy.reset(bytes, start, end);
      ctx.span = lazy;
      return spanOnly!(ctx) ? DROP : KEEP;
    },
  };
  return (batch) => {
    if (levels.length === 0) return batch;
    if (spanOnly !== undefined && batch.hasBytes) {
      ctx.metadata = batch.metadata;
      const out = rewriteSpans(batch.bytes(), visitor, true);
      if (out.dropped === 0) return batch;
      batch.replaceBytes(out.bytes, batch.itemCount - out.dropped);
      return batch.itemCount === 0 ? null : batch;
    }
    const request = batch.request;
    dropped = 0;
    ctx.metadata = batch.metadata;
    for (let i = 0; i < levels.length; i++) walk(signal, request, levels[i].context, ctx, visits[i], true);
    if (dropped === 0) return batch;
    // The decoded request was edited in place; mutate() drops the now stale bytes and count.
    batch.mutate();
    return batch.itemCount === 0 ? null : batch;
  };
}
