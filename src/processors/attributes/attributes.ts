import { compileActions, compileIncludeExclude, type MatchSubject } from '../../attraction/index.ts';
import type { Batch } from '../../core/batch.ts';
import { EvalContext, walk } from '../../ottl/program.ts';
import type { Signal } from '../../otlp/types.ts';
import { rewriteSpans } from '../../ottl/span-bytes.ts';
import { byteSpanVisitor } from './bytes.ts';
import type { AttributesConfig } from './config.ts';

// Span attributes for traces, log record attributes for logs, data point attributes for metrics
// (the Collector's choice of target per signal). One subject object per batch carries what
// include/exclude look at. Constant upserts and deletes on encoded traces edit the span bytes
// in place of a decode (bytes.ts).

/** The items whose attributes are edited: spans, log records, data points. */
const LEVEL = { traces: 'span', logs: 'log', metrics: 'datapoint' } as const;

export function createAttributesEdit(config: AttributesConfig, signal: Signal): (batch: Batch) => void {
  const edit = compileActions(config.actions);
  const applies = compileIncludeExclude(config.include, config.exclude, signal);
  const onBytes = signal === 'traces' ? byteSpanVisitor(config.actions, applies) : undefined;
  const ctx = new EvalContext();
  const subject: MatchSubject = { resource: undefined, scope: undefined, span: undefined, log: undefined, metric: undefined };
  const visit = (c: EvalContext): boolean => {
    const item = signal === 'traces' ? c.span : signal === 'logs' ? c.log : c.point;
    if (applies !== undefined) {
      subject.resource = c.resourceHolder.resource;
      subject.scope = c.scopeHolder.scope;
      subject.span = signal === 'traces' ? c.span : undefined;
      subject.log = signal === 'logs' ? c.log : undefined;
      subject.metric = signal === 'metrics' ? c.metric : undefined;
      if (!applies(subject)) return false;
    }
    edit(item.attributes, c.metadata!);
    return false;
  };
  return (batch) => {
    if (onBytes !== undefined && batch.hasBytes) {
      const out = rewriteSpans(batch.bytes(), onBytes, false);
      if (out.bytes !== batch.bytes()) batch.replaceBytes(out.bytes);
      return;
    }
    const request = batch.mutate();
    ctx.metadata = batch.metadata;
    walk(signal, request, LEVEL[signal], ctx, visit, false);
  };
}
