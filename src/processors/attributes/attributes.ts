import { compileActions, compileIncludeExclude, type MatchSubject } from '../../attraction/index.ts';
import type { Batch } from '../../core/batch.ts';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue, Signal } from '../../otlp/types.ts';
import { rewriteSpans } from '../../ottl/span-bytes.ts';
import { byteSpanVisitor } from './bytes.ts';
import type { AttributesConfig } from './config.ts';

// Span attributes for traces, log record attributes for logs, data point attributes for metrics
// (the Collector's choice of target per signal). One subject object per batch carries what
// include/exclude look at. Constant upserts and deletes on encoded traces edit the span bytes
// in place of a decode (bytes.ts).

type PointHolder = { dataPoints: Array<{ attributes: KeyValue[] }> } | undefined;

export function createAttributesEdit(config: AttributesConfig, signal: Signal): (batch: Batch) => void {
  const edit = compileActions(config.actions);
  const applies = compileIncludeExclude(config.include, config.exclude, signal);
  const onBytes = signal === 'traces' ? byteSpanVisitor(config.actions, applies) : undefined;
  return (batch) => {
    if (onBytes !== undefined && batch.hasBytes) {
      const out = rewriteSpans(batch.bytes(), onBytes, false);
      if (out.bytes !== batch.bytes()) batch.replaceBytes(out.bytes);
      return;
    }
    const request = batch.mutate();
    const metadata = batch.metadata;
    const subject: MatchSubject = { resource: undefined, scope: undefined, span: undefined, log: undefined, metric: undefined };
    if (signal === 'traces') {
      for (const rs of (request as ExportTraceServiceRequest).resourceSpans) {
        subject.resource = rs.resource;
        for (const ss of rs.scopeSpans) {
          subject.scope = ss.scope;
          const spans = ss.spans;
          for (let i = 0; i < spans.length; i++) {
            subject.span = spans[i];
            if (applies === undefined || applies(subject)) edit(spans[i].attributes, metadata);
          }
        }
      }
    } else if (signal === 'logs') {
      for (const rl of (request as ExportLogsServiceRequest).resourceLogs) {
        subject.resource = rl.resource;
        for (const sl of rl.scopeLogs) {
          subject.scope = sl.scope;
          const logs = sl.logRecords;
          for (let i = 0; i < logs.length; i++) {
            subject.log = logs[i];
            if (applies === undefined || applies(subject)) edit(logs[i].attributes, metadata);
          }
        }
      }
    } else {
      for (const rm of (request as ExportMetricsServiceRequest).resourceMetrics) {
        subject.resource = rm.resource;
        for (const sm of rm.scopeMetrics) {
          subject.scope = sm.scope;
          for (const metric of sm.metrics) {
            subject.metric = metric;
            if (applies !== undefined && !applies(subject)) continue;
            const holder: PointHolder = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
            if (holder === undefined) continue;
            const points = holder.dataPoints;
            for (let i = 0; i < points.length; i++) edit(points[i].attributes, metadata);
          }
        }
      }
    }
  };
}
