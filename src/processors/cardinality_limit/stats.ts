import type { StreamState, TenantState } from './stream-state.ts';

export const OTHER_METRIC = '__other__';

export interface MetricStats {
  metric: string;
  tenant: string;
  /** Admitted series currently active. */
  activeSeries: number;
  /** Refused series currently tracked (their points go to overflow). */
  foldedSeries: number;
  /** Points refused since start (observe mode: points that would have been folded). */
  refusedPoints: number;
  /** Overflow points written out since start. */
  overflowPoints: number;
  /** Label values folded or dropped since start (observe: would have been). */
  labelValuesFolded: number;
}

export interface TenantStats {
  tenant: string;
  activeSeries: number;
  /** 0 = unlimited. */
  budget: number;
}

export interface CardinalityStats {
  mode: 'enforce' | 'observe';
  trackedSeries: number;
  maxTrackedSeries: number;
  activeSeries: number;
  evictedSeries: number;
  expiredSeries: number;
  tenants: TenantStats[];
  /** Per (metric, tenant), streams of all resources summed, largest first. */
  metrics: MetricStats[];
}

export interface KeyOffender {
  key: string;
  /** Estimated distinct values of this key among refused series (about ±13%). */
  distinctValues: number;
}

export interface MetricOffender {
  metric: string;
  tenant: string;
  refusedPoints: number;
  refusedSeries: number;
  keys: KeyOffender[];
}

interface Totals {
  trackedSeries: number;
  activeSeries: number;
  maxTrackedSeries: number;
  evictedSeries: number;
  expiredSeries: number;
  maxMetrics: number;
  mode: 'enforce' | 'observe';
}

export function buildStats(streams: Iterable<StreamState>, tenants: Iterable<TenantState>, totals: Totals): CardinalityStats {
  const byMetric = new Map<string, MetricStats>();
  for (const stream of streams) {
    const id = `${stream.tenant.name}\u0000${stream.metricName}`;
    let entry = byMetric.get(id);
    if (entry === undefined) {
      entry = emptyMetric(stream.metricName, stream.tenant.name);
      byMetric.set(id, entry);
    }
    addInto(entry, stream);
  }
  const sorted = [...byMetric.values()].sort((x, y) => y.activeSeries + y.foldedSeries - (x.activeSeries + x.foldedSeries));
  const metrics = sorted.slice(0, totals.maxMetrics);
  if (sorted.length > totals.maxMetrics) {
    const other = emptyMetric(OTHER_METRIC, '');
    for (let i = totals.maxMetrics; i < sorted.length; i++) addInto(other, sorted[i]);
    metrics.push(other);
  }
  const tenantStats: TenantStats[] = [];
  for (const tenant of tenants) tenantStats.push({ tenant: tenant.name, activeSeries: tenant.active, budget: tenant.budget });
  return {
    mode: totals.mode,
    trackedSeries: totals.trackedSeries,
    maxTrackedSeries: totals.maxTrackedSeries,
    activeSeries: totals.activeSeries,
    evictedSeries: totals.evictedSeries,
    expiredSeries: totals.expiredSeries,
    tenants: tenantStats,
    metrics,
  };
}

function emptyMetric(metric: string, tenant: string): MetricStats {
  return { metric, tenant, activeSeries: 0, foldedSeries: 0, refusedPoints: 0, overflowPoints: 0, labelValuesFolded: 0 };
}

function addInto(entry: MetricStats, from: StreamState | MetricStats): void {
  if ('metricName' in from) {
    entry.activeSeries += from.active;
    entry.foldedSeries += from.folded;
    entry.overflowPoints += from.overflowPoints;
  } else {
    entry.activeSeries += from.activeSeries;
    entry.foldedSeries += from.foldedSeries;
    entry.overflowPoints += from.overflowPoints;
  }
  entry.refusedPoints += from.refusedPoints;
  entry.labelValuesFolded += from.labelValuesFolded;
}

export function topOffenders(streams: Iterable<StreamState>, n: number, keysPerMetric: number): MetricOffender[] {
  const byMetric = new Map<string, { offender: MetricOffender; keys: Map<string, number> }>();
  for (const stream of streams) {
    if (stream.refusedPoints === 0 && stream.labelValuesFolded === 0) continue;
    const id = `${stream.tenant.name}\u0000${stream.metricName}`;
    let entry = byMetric.get(id);
    if (entry === undefined) {
      const offender = { metric: stream.metricName, tenant: stream.tenant.name, refusedPoints: 0, refusedSeries: 0, keys: [] };
      entry = { offender, keys: new Map() };
      byMetric.set(id, entry);
    }
    entry.offender.refusedPoints += stream.refusedPoints;
    entry.offender.refusedSeries += stream.refusedSeries;
    if (stream.offenderKeys !== null) {
      // Streams of one metric from several resources are estimated apart and summed: an upper bound.
      for (const [key, sketch] of stream.offenderKeys) entry.keys.set(key, (entry.keys.get(key) ?? 0) + sketch.estimate());
    }
  }
  const offenders = [...byMetric.values()];
  offenders.sort((x, y) => y.offender.refusedPoints - x.offender.refusedPoints);
  const result: MetricOffender[] = [];
  for (let i = 0; i < offenders.length && i < n; i++) {
    const { offender, keys } = offenders[i];
    offender.keys = [...keys]
      .map(([key, distinctValues]) => ({ key, distinctValues }))
      .sort((x, y) => y.distinctValues - x.distinctValues)
      .slice(0, keysPerMetric);
    result.push(offender);
  }
  return result;
}
