import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Metric } from '../otlp/types.ts';
import type { AnyPoint, ContextName, EvalContext } from './context.ts';

// Walks a decoded request at one context's level, filling the shared EvalContext as it goes, and
// removes what `visit` says to drop. With prune, containers left empty are removed too (a span's
// events go with it; a metric with no points left goes; so do empty scopes and resources), as
// the Collector's filter processor does. One walk per statement group: no per-item allocation.

/** Returns true to drop the item at this level. */
export type Visit = (ctx: EvalContext) => boolean;

function compact<T>(items: T[], keep: (item: T) => boolean): void {
  let j = 0;
  for (let i = 0; i < items.length; i++) if (keep(items[i])) items[j++] = items[i];
  items.length = j;
}

export function walkTraces(request: ExportTraceServiceRequest, level: ContextName, ctx: EvalContext, visit: Visit, prune: boolean): void {
  compact(request.resourceSpans, (rs) => {
    ctx.resourceHolder = rs;
    if (level === 'resource') return !visit(ctx);
    compact(rs.scopeSpans, (ss) => {
      ctx.scopeHolder = ss;
      if (level === 'scope') return !visit(ctx);
      compact(ss.spans, (span) => {
        ctx.span = span;
        if (level === 'span') return !visit(ctx);
        compact(span.events, (event) => {
          ctx.event = event;
          return !visit(ctx);
        });
        return true;
      });
      return !prune || level === 'spanevent' || ss.spans.length > 0;
    });
    return !prune || level === 'spanevent' || rs.scopeSpans.length > 0;
  });
}

export function walkLogs(request: ExportLogsServiceRequest, level: ContextName, ctx: EvalContext, visit: Visit, prune: boolean): void {
  compact(request.resourceLogs, (rl) => {
    ctx.resourceHolder = rl;
    if (level === 'resource') return !visit(ctx);
    compact(rl.scopeLogs, (sl) => {
      ctx.scopeHolder = sl;
      if (level === 'scope') return !visit(ctx);
      compact(sl.logRecords, (log) => {
        ctx.log = log;
        return !visit(ctx);
      });
      return !prune || sl.logRecords.length > 0;
    });
    return !prune || rl.scopeLogs.length > 0;
  });
}

/** The data points of a metric, whichever of the five kinds it is. */
export function pointsOf(metric: Metric): AnyPoint[] | undefined {
  return (metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary)?.dataPoints as AnyPoint[] | undefined;
}

export function walkMetrics(request: ExportMetricsServiceRequest, level: ContextName, ctx: EvalContext, visit: Visit, prune: boolean): void {
  compact(request.resourceMetrics, (rm) => {
    ctx.resourceHolder = rm;
    if (level === 'resource') return !visit(ctx);
    compact(rm.scopeMetrics, (sm) => {
      ctx.scopeHolder = sm;
      if (level === 'scope') return !visit(ctx);
      compact(sm.metrics, (metric) => {
        ctx.metric = metric;
        if (level === 'metric') return !visit(ctx);
        const points = pointsOf(metric);
        if (points === undefined) return true;
        compact(points, (point) => {
          ctx.point = point;
          return !visit(ctx);
        });
        return !prune || points.length > 0;
      });
      return !prune || sm.metrics.length > 0;
    });
    return !prune || rm.scopeMetrics.length > 0;
  });
}
