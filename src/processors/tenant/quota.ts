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

  constructor(entries: Iterable<TenantEntry>, now: number) {
    this.update(entries, now);
  }

  /**
   * Applies a reloaded table: new tenants start with full buckets, kept tenants keep their
   * banked level (clamped to the new burst) under the new rates, removed tenants are dropped.
   */
  update(entries: Iterable<TenantEntry>, now: number): void {
    const next = new Map<string, TenantBuckets>();
    for (const entry of entries) {
      const old = this.#tenants.get(entry.id);
      const buckets = bucketsFor(entry.quotas, old, now);
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

function bucketsFor(quotas: TenantQuotas, old: TenantBuckets | undefined, now: number): TenantBuckets | null {
  if (quotas.spans === undefined && quotas.metricPoints === undefined && quotas.logRecords === undefined && quotas.bytes === undefined) {
    return null;
  }
  return {
    traces: bucketFor(quotas.spans, old?.traces, now),
    metrics: bucketFor(quotas.metricPoints, old?.metrics, now),
    logs: bucketFor(quotas.logRecords, old?.logs, now),
    bytes: bucketFor(quotas.bytes, old?.bytes, now),
  };
}

function bucketFor(limit: RateLimit | undefined, old: TokenBucket | null | undefined, now: number): TokenBucket | null {
  if (limit === undefined) return null;
  if (old === null || old === undefined) return new TokenBucket(limit, now);
  old.reconfigure(limit, now);
  return old;
}
