import type { Signal } from '../../otlp/types.ts';
import { TokenBucket } from './token-bucket.ts';
import type { RateLimit, TenantEntry, TenantQuotas } from './tenants-file.ts';

export type QuotaResult = { ok: true } | { ok: false; retryAfterMs: number; reason: 'items' | 'bytes' };

const ADMITTED: QuotaResult = { ok: true };

/** Buckets of one tenant; null where the tenant has no limit. */
interface TenantBuckets {
  traces: TokenBucket | null;
  metrics: TokenBucket | null;
  logs: TokenBucket | null;
  bytes: TokenBucket | null;
}

/**
 * Per-tenant rate limits: one item bucket per signal (spans, metric points, log records) and
 * one bytes bucket shared by all signals. Buckets exist only for tenants in the table, so the
 * map is bounded by the table however many tenant ids requests claim; an id not in the table
 * is not limited here (unknown tenants are the resolution policy's business).
 */
export class QuotaLimiter {
  #tenants = new Map<string, TenantBuckets>();
  #entries: readonly TenantEntry[] = [];
  /** With several workers: this worker's share of each limit (`tenant\0bucket`), and the demand seen since the last report. */
  #shares: ReadonlyMap<string, number> | undefined;
  #defaultShare = 1;
  #demand: Map<string, number> | undefined;

  constructor(entries: Iterable<TenantEntry>, now: number) {
    this.update(entries, now);
  }

  /**
   * For one of `workers` processes: each limit here becomes this worker's share of it (1/workers
   * until the pool says otherwise), so the tenant's rate holds for the whole process. `report`
   * gives the items and bytes asked for per limit since its last call, `apply` takes new shares.
   */
  shareAmong(workers: number, now: () => number): { report: () => ReadonlyMap<string, number>; apply: (shares: ReadonlyMap<string, number>) => void } {
    this.#defaultShare = 1 / workers;
    this.#demand = new Map();
    this.update(this.#entries, now());
    return {
      report: () => {
        const demand = this.#demand!;
        this.#demand = new Map();
        return demand;
      },
      apply: (shares) => {
        this.#shares = shares;
        this.update(this.#entries, now());
      },
    };
  }

  /**
   * Applies a reloaded table: new tenants start with full buckets, kept tenants keep their
   * banked level (clamped to the new burst) under the new rates, removed tenants are dropped.
   */
  update(entries: Iterable<TenantEntry>, now: number): void {
    this.#entries = [...entries];
    const next = new Map<string, TenantBuckets>();
    for (const entry of this.#entries) {
      const old = this.#tenants.get(entry.id);
      const buckets = bucketsFor(entry.quotas, old, now, this.#shares === undefined && this.#defaultShare === 1 ? undefined : (bucket) => this.#shares?.get(`${entry.id}\u0000${bucket}`) ?? this.#defaultShare);
      if (buckets !== null) next.set(entry.id, buckets);
    }
    this.#tenants = next;
  }

  /**
   * Admits `items` of `signal` and `bytes` for `tenant` at `now` (ms), all or nothing. On refusal
   * nothing is taken and retryAfterMs is when the whole request would fit (≥ 1 ms); converting
   * it to whole Retry-After seconds is the caller's job.
   */
  tryTake(tenant: string, signal: Signal, items: number, bytes: number, now: number): QuotaResult {
    const buckets = this.#tenants.get(tenant);
    if (buckets === undefined) return ADMITTED;
    if (this.#demand !== undefined) {
      if (buckets[signal] !== null) addTo(this.#demand, `${tenant}\u0000${signal}`, items);
      if (buckets.bytes !== null) addTo(this.#demand, `${tenant}\u0000bytes`, bytes);
    }
    const itemBucket = buckets[signal];
    const byteBucket = buckets.bytes;
    let itemWait = 0;
    let byteWait = 0;
    if (itemBucket !== null && items > 0) {
      itemBucket.refill(now);
      itemWait = itemBucket.waitMs(items);
    }
    if (byteBucket !== null && bytes > 0) {
      byteBucket.refill(now);
      byteWait = byteBucket.waitMs(bytes);
    }
    if (itemWait > 0 || byteWait > 0) {
      // Both must fit, so the retry is the longer wait, blamed on whichever causes it.
      return itemWait >= byteWait
        ? { ok: false, retryAfterMs: itemWait, reason: 'items' }
        : { ok: false, retryAfterMs: byteWait, reason: 'bytes' };
    }
    if (itemBucket !== null && items > 0) itemBucket.take(items);
    if (byteBucket !== null && bytes > 0) byteBucket.take(bytes);
    return ADMITTED;
  }

  /** Tenants holding buckets. */
  get size(): number {
    return this.#tenants.size;
  }
}

function addTo(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

type ShareOf = ((bucket: keyof TenantBuckets) => number) | undefined;

function scaled(limit: RateLimit | undefined, share: number): RateLimit | undefined {
  return limit === undefined || share === 1 ? limit : { rate: limit.rate * share, burst: Math.max(1, limit.burst * share) };
}

function bucketsFor(quotas: TenantQuotas, old: TenantBuckets | undefined, now: number, shareOf: ShareOf): TenantBuckets | null {
  if (quotas.spans === undefined && quotas.metricPoints === undefined && quotas.logRecords === undefined && quotas.bytes === undefined) {
    return null;
  }
  const share = (bucket: keyof TenantBuckets) => (shareOf === undefined ? 1 : shareOf(bucket));
  return {
    traces: bucketFor(scaled(quotas.spans, share('traces')), old?.traces, now),
    metrics: bucketFor(scaled(quotas.metricPoints, share('metrics')), old?.metrics, now),
    logs: bucketFor(scaled(quotas.logRecords, share('logs')), old?.logs, now),
    bytes: bucketFor(scaled(quotas.bytes, share('bytes')), old?.bytes, now),
  };
}

function bucketFor(limit: RateLimit | undefined, old: TokenBucket | null | undefined, now: number): TokenBucket | null {
  if (limit === undefined) return null;
  if (old === null || old === undefined) return new TokenBucket(limit, now);
  old.reconfigure(limit, now);
  return old;
}
