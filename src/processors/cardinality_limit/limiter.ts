import type { ExportMetricsServiceRequest, KeyValue, Metric, Resource } from '../../otlp/types.ts';
import { AttributeHasher, fmix32 } from './attribute-hash.ts';
import type { CardinalityLimitConfig } from './config.ts';
import { DistinctSketch } from './distinct-sketch.ts';
import { LabelStage } from './label-stage.ts';
import type { LabelSourceTracker } from './label-stage.ts';
import { LabelValueLimits } from './label-value-limits.ts';
import type { AnyPoint } from './point-kind.ts';
import { isCumulative, isMonotonic, KIND_NONE, kindOf, pointsOf, setPointsOf } from './point-kind.ts';
import { createPointMerger } from './point-merger.ts';
import { STATUS_ADMITTED, STATUS_FOLDED, STATUS_LABEL_SOURCE, SeriesTable } from './series-table.ts';
import type { SeriesRemovalListener } from './series-table.ts';
import { buildStats, topOffenders } from './stats.ts';
import type { CardinalityStats, MetricOffender } from './stats.ts';
import {
  isOverflowAttributes,
  MAX_OFFENDER_KEYS_PER_STREAM,
  overflowAttributes,
  StreamState,
  TenantState,
} from './stream-state.ts';

/** Label-source keys are salted so they never meet the key of the series they fold into. */
const LABEL_SOURCE_SALT = 0x10000000;
/** Value sets and fold targets are swept at most this often (expiry of series needs no sweep). */
const MAX_SWEEP_INTERVAL_MS = 10_000;

// A series' table key is its attribute hash lanes mixed with its stream's slot.
function seriesKeyA(streamSlot: number, a: number): number {
  return fmix32(a ^ Math.imul(streamSlot + 1, 0x9e3779b1));
}
function seriesKeyB(streamSlot: number, b: number): number {
  return fmix32((b + Math.imul(streamSlot + 1, 0x85ebca77)) | 0);
}

/**
 * Limits the number of active series per metric stream, per tenant and overall, folding what
 * exceeds a limit into the stream's `otel.metric.overflow=true` series. See README for semantics.
 */
export class CardinalityLimiter implements SeriesRemovalListener, LabelSourceTracker {
  readonly #config: CardinalityLimitConfig;
  readonly #now: () => number;
  readonly #enforce: boolean;
  readonly #table: SeriesTable;
  readonly #hasher = new AttributeHasher();
  readonly #streams = new Map<number, StreamState>();
  readonly #streamsBySlot: (StreamState | undefined)[] = [];
  readonly #freeStreamSlots: number[] = [];
  readonly #tenants = new Map<string, TenantState>();
  readonly #tenantBudgets: Map<string, number>;
  readonly #metricLimits: Map<string, number>;
  readonly #labels: LabelValueLimits | null;
  readonly #labelStage: LabelStage | null;
  readonly #touchedStreams: StreamState[] = [];
  readonly #overflowHashA: number;
  readonly #overflowHashB: number;
  readonly #sweepInterval: number;
  #globalActive = 0;
  #lastSweep: number;
  #hashA = new Int32Array(1024);
  #hashB = new Int32Array(1024);
  #tableKeyA = new Int32Array(1024);

  constructor(config: CardinalityLimitConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
    this.#enforce = config.mode === 'enforce';
    this.#table = new SeriesTable(config.max_tracked_series, this);
    this.#tenantBudgets = new Map(Object.entries(config.tenant_budgets.tenants));
    this.#metricLimits = new Map(Object.entries(config.metric_overrides));
    const labels = new LabelValueLimits(config.label_value_limits);
    this.#labels = labels.configured ? labels : null;
    this.#labelStage = labels.configured ? new LabelStage(this.#hasher, this, labels.dropLabel) : null;
    this.#hasher.hashAttributes(overflowAttributes());
    this.#overflowHashA = this.#hasher.a;
    this.#overflowHashB = this.#hasher.b;
    this.#sweepInterval = Math.min(MAX_SWEEP_INTERVAL_MS, config.inactivity_timeout / 4);
    this.#lastSweep = now();
  }

  /** Applies the limits to the request in place and returns it. `tenant` overrides the resource attribute. */
  process(request: ExportMetricsServiceRequest, tenant?: string): ExportMetricsServiceRequest {
    const now = this.#now();
    this.#table.expire(now - this.#config.inactivity_timeout);
    if (now - this.#lastSweep >= this.#sweepInterval) this.#sweep(now);
    const hasher = this.#hasher;
    const resources = request.resourceMetrics;
    for (let r = 0; r < resources.length; r++) {
      const resourceMetrics = resources[r];
      const tenantState = this.#tenantFor(tenant ?? this.#tenantOf(resourceMetrics.resource));
      hasher.hashAttributes(resourceMetrics.resource?.attributes ?? []);
      const resourceA = hasher.a;
      const resourceB = hasher.b;
      const scopes = resourceMetrics.scopeMetrics;
      for (let s = 0; s < scopes.length; s++) {
        const scope = scopes[s].scope;
        hasher.hashAttributes(scope?.attributes ?? []);
        const scopeA = hasher.a;
        const scopeB = hasher.b;
        const metrics = scopes[s].metrics;
        for (let m = 0; m < metrics.length; m++) {
          const metric = metrics[m];
          const kind = kindOf(metric);
          if (kind === KIND_NONE) continue;
          const cumulative = isCumulative(metric, kind);
          const monotonic = isMonotonic(metric, kind);
          hasher.begin();
          hasher.addWord(resourceA);
          hasher.addWord(resourceB);
          hasher.addWord(scopeA);
          hasher.addWord(scopeB);
          hasher.addString(scope?.name ?? '');
          hasher.addString(scope?.version ?? '');
          hasher.addString(tenantState.name);
          hasher.addString(metric.name);
          hasher.addWord(kind * 4 + (cumulative ? 2 : 0) + (monotonic ? 1 : 0));
          const streamKey = hasher.finish();
          this.#processMetric(metric, kind, cumulative, monotonic, streamKey, tenantState, now);
        }
      }
    }
    this.#emitOverflow();
    return request;
  }

  /** Active series, refusals and overflow counts; metrics beyond `stats_max_metrics` summed as `__other__`. */
  stats(): CardinalityStats {
    return buildStats(this.#streams.values(), this.#tenants.values(), {
      mode: this.#config.mode,
      trackedSeries: this.#table.size,
      activeSeries: this.#globalActive,
      maxTrackedSeries: this.#config.max_tracked_series,
      evictedSeries: this.#table.evictions,
      expiredSeries: this.#table.expirations,
      maxMetrics: this.#config.stats_max_metrics,
    });
  }

  /** The `n` metrics with the most refused points, each with its label keys ranked by distinct refused values. */
  topOffenders(n: number, keysPerMetric = 3): MetricOffender[] {
    return topOffenders(this.#streams.values(), n, keysPerMetric);
  }

  onSeriesRemoved(streamSlot: number, status: number): void {
    const stream = this.#streamsBySlot[streamSlot]!;
    stream.tracked--;
    if (status === STATUS_ADMITTED) {
      stream.active--;
      stream.tenant.active--;
      this.#globalActive--;
    } else if (status === STATUS_FOLDED) {
      stream.folded--;
    }
  }

  labelSourceSlot(stream: StreamState, hashA: number, hashB: number): number {
    const keyA = seriesKeyA(stream.slot + LABEL_SOURCE_SALT, hashA);
    const keyB = seriesKeyB(stream.slot + LABEL_SOURCE_SALT, hashB);
    const table = this.#table;
    const now = this.#now();
    let slot = table.lookup(keyA, keyB);
    if (slot >= 0) {
      table.touch(slot, now);
      return slot;
    }
    slot = table.insert(keyA, keyB, stream.slot, STATUS_LABEL_SOURCE, now);
    stream.tracked++;
    return slot;
  }

  #processMetric(
    metric: Metric,
    kind: number,
    cumulative: boolean,
    monotonic: boolean,
    streamKey: number,
    tenant: TenantState,
    now: number,
  ): void {
    const points = pointsOf(metric, kind);
    const n = points.length;
    if (n === 0) return;
    const stream = this.#streamFor(streamKey, metric.name, tenant, kind, cumulative, monotonic);
    if (stream === null) return;
    stream.lastSeen = now;
    if (this.#hashA.length < n) {
      this.#hashA = new Int32Array(n * 2);
      this.#hashB = new Int32Array(n * 2);
      this.#tableKeyA = new Int32Array(n * 2);
    }
    const hashA = this.#hashA;
    const hashB = this.#hashB;
    const table = this.#table;
    const enforce = this.#enforce;
    let list = points;
    if (stream.labels !== null) {
      list = this.#labelStage!.apply(stream, points, hashA, hashB, table, now, enforce);
    } else {
      const hasher = this.#hasher;
      for (let i = 0; i < n; i++) {
        hasher.hashAttributes(points[i].attributes);
        hashA[i] = hasher.a;
        hashB[i] = hasher.b;
      }
    }
    const count = list.length;
    const tableKeyA = this.#tableKeyA;
    // Lane A's keys are computed ahead so the table can prefetch their buckets; lane B's is only compared.
    for (let i = 0; i < count; i++) tableKeyA[i] = seriesKeyA(stream.slot, hashA[i]);
    table.prefetch(tableKeyA, count);
    let kept: AnyPoint[] | null = null;
    for (let i = 0; i < count; i++) {
      const point = list[i];
      if (hashA[i] === this.#overflowHashA && hashB[i] === this.#overflowHashB && isOverflowAttributes(point.attributes)) {
        // An overflow point from upstream (an SDK's own limit) joins ours, so one series leaves.
        if (!enforce) continue;
        if (kept === null) kept = list.slice(0, i);
        this.#fold(stream, metric, point, this.#slotOf(stream, tableKeyA[i], seriesKeyB(stream.slot, hashB[i]), now, true, point.attributes));
        continue;
      }
      const slot = this.#slotOf(stream, tableKeyA[i], seriesKeyB(stream.slot, hashB[i]), now, false, point.attributes);
      if (table.status[slot] !== STATUS_FOLDED) {
        if (kept !== null) kept.push(point);
        continue;
      }
      stream.refusedPoints++;
      if (!enforce) continue;
      if (kept === null) kept = list.slice(0, i);
      this.#fold(stream, metric, point, slot);
    }
    if (kept !== null) setPointsOf(metric, kind, kept);
    else if (list !== points) setPointsOf(metric, kind, list);
  }

  /** The table slot of the series with table key (keyA, keyB), admitting or refusing it when new. */
  #slotOf(stream: StreamState, keyA: number, keyB: number, now: number, forceFold: boolean, attributes: KeyValue[]): number {
    const table = this.#table;
    let slot = table.lookup(keyA, keyB);
    if (slot >= 0) {
      table.touch(slot, now);
      return slot;
    }
    const tenant = stream.tenant;
    const admit =
      !forceFold &&
      stream.active < stream.limit &&
      (tenant.budget === 0 || tenant.active < tenant.budget) &&
      (this.#config.global_max_series === 0 || this.#globalActive < this.#config.global_max_series);
    slot = table.insert(keyA, keyB, stream.slot, admit ? STATUS_ADMITTED : STATUS_FOLDED, now);
    stream.tracked++;
    if (admit) {
      stream.active++;
      tenant.active++;
      this.#globalActive++;
    } else {
      stream.folded++;
      if (!forceFold) {
        stream.refusedSeries++;
        this.#noteOffender(stream, attributes);
      }
    }
    return slot;
  }

  #fold(stream: StreamState, metric: Metric, point: AnyPoint, slot: number): void {
    if (stream.overflow === null) stream.overflow = createPointMerger(stream.kind, stream.cumulative, stream.monotonic);
    stream.overflow.add(point, this.#table, stream.cumulative ? slot : -1);
    if (stream.outMetric === null) {
      stream.outMetric = metric;
      this.#touchedStreams.push(stream);
    }
  }

  /** One overflow point per stream and request, in the stream's first metric that folded. */
  #emitOverflow(): void {
    const touched = this.#touchedStreams;
    for (let i = 0; i < touched.length; i++) {
      const stream = touched[i];
      const merger = stream.overflow!;
      if (merger.touched) {
        pointsOf(stream.outMetric!, stream.kind).push(merger.emit(overflowAttributes()));
        stream.overflowPoints++;
      }
      stream.outMetric = null;
    }
    touched.length = 0;
  }

  /** Feeds each label value of a refused series to its key's distinct-value sketch. */
  #noteOffender(stream: StreamState, attributes: KeyValue[]): void {
    let keys = stream.offenderKeys;
    if (keys === null) keys = stream.offenderKeys = new Map();
    for (let i = 0; i < attributes.length; i++) {
      let sketch = keys.get(attributes[i].key);
      if (sketch === undefined) {
        if (keys.size >= MAX_OFFENDER_KEYS_PER_STREAM) continue;
        sketch = new DistinctSketch();
        keys.set(attributes[i].key, sketch);
      }
      sketch.add(this.#hasher.hashValue(attributes[i].value));
    }
  }

  #streamFor(
    key: number,
    metricName: string,
    tenant: TenantState,
    kind: number,
    cumulative: boolean,
    monotonic: boolean,
  ): StreamState | null {
    const existing = this.#streams.get(key);
    if (existing !== undefined) {
      // A 53-bit collision between two streams: leave the newcomer unlimited rather than mix them.
      if (existing.kind !== kind || existing.metricName !== metricName || existing.tenant !== tenant) return null;
      return existing;
    }
    const slot = this.#freeStreamSlots.length > 0 ? this.#freeStreamSlots.pop()! : this.#streamsBySlot.length;
    const limit = this.#metricLimits.get(metricName) ?? this.#config.max_series_per_metric;
    const labels = this.#labels === null ? null : this.#labels.forStream(tenant.name, metricName);
    const stream = new StreamState(slot, key, metricName, tenant, kind, cumulative, monotonic, limit, labels);
    this.#streamsBySlot[slot] = stream;
    this.#streams.set(key, stream);
    return stream;
  }

  #tenantOf(resource: Resource | undefined): string {
    if (resource === undefined) return '';
    const attributes = resource.attributes;
    const key = this.#config.tenant_attribute;
    for (let i = 0; i < attributes.length; i++) {
      if (attributes[i].key !== key) continue;
      const value = attributes[i].value;
      return value.stringValue ?? String(value.intValue ?? value.doubleValue ?? value.boolValue ?? '');
    }
    return '';
  }

  #tenantFor(name: string): TenantState {
    let tenant = this.#tenants.get(name);
    if (tenant === undefined) {
      tenant = new TenantState(name, this.#tenantBudgets.get(name) ?? this.#config.tenant_budgets.default);
      this.#tenants.set(name, tenant);
    }
    return tenant;
  }

  /** Expires label values, fold targets and streams that have no series left. */
  #sweep(now: number): void {
    this.#lastSweep = now;
    const cutoff = now - this.#config.inactivity_timeout;
    this.#labels?.sweep(cutoff);
    for (const [key, stream] of this.#streams) {
      if (stream.labels !== null) {
        for (const [targetKey, target] of stream.labels.targets) if (target.lastSeen < cutoff) stream.labels.targets.delete(targetKey);
      }
      if (stream.tracked === 0 && stream.lastSeen < cutoff) {
        this.#streams.delete(key);
        this.#streamsBySlot[stream.slot] = undefined;
        this.#freeStreamSlots.push(stream.slot);
      }
    }
  }
}
