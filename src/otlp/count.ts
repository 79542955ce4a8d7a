import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  Metric,
  RequestBySignal,
  Signal,
} from './types.ts';

/** Items as the Collector counts them: spans, metric data points (every kind), log records. */
export function countItems<S extends Signal>(signal: S, req: RequestBySignal[S]): number {
  if (signal === 'traces') return countSpans(req as ExportTraceServiceRequest);
  if (signal === 'metrics') return countDataPoints(req as ExportMetricsServiceRequest);
  return countLogRecords(req as ExportLogsServiceRequest);
}

function countSpans(req: ExportTraceServiceRequest): number {
  let n = 0;
  const rs = req.resourceSpans;
  for (let i = 0; i < rs.length; i++) {
    const ss = rs[i].scopeSpans;
    for (let j = 0; j < ss.length; j++) n += ss[j].spans.length;
  }
  return n;
}

export function metricDataPoints(m: Metric): number {
  if (m.gauge !== undefined) return m.gauge.dataPoints.length;
  if (m.sum !== undefined) return m.sum.dataPoints.length;
  if (m.histogram !== undefined) return m.histogram.dataPoints.length;
  if (m.exponentialHistogram !== undefined) return m.exponentialHistogram.dataPoints.length;
  if (m.summary !== undefined) return m.summary.dataPoints.length;
  return 0;
}

function countDataPoints(req: ExportMetricsServiceRequest): number {
  let n = 0;
  const rm = req.resourceMetrics;
  for (let i = 0; i < rm.length; i++) {
    const sm = rm[i].scopeMetrics;
    for (let j = 0; j < sm.length; j++) {
      const metrics = sm[j].metrics;
      for (let k = 0; k < metrics.length; k++) n += metricDataPoints(metrics[k]);
    }
  }
  return n;
}

function countLogRecords(req: ExportLogsServiceRequest): number {
  let n = 0;
  const rl = req.resourceLogs;
  for (let i = 0; i < rl.length; i++) {
    const sl = rl[i].scopeLogs;
    for (let j = 0; j < sl.length; j++) n += sl[j].logRecords.length;
  }
  return n;
}
