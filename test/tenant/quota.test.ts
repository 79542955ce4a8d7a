import { describe, expect, it } from 'vitest';
import { QuotaLimiter } from '../../src/processors/tenant/quota.ts';
import { parseTenantsFile } from '../../src/processors/tenant/tenants-file.ts';

function entries(yamlText: string) {
  return parseTenantsFile(yamlText).tenants.values();
}

const TABLE = `
tenants:
  - id: acme
    quotas: { spans_per_second: 100, log_records_per_second: 10, bytes_per_second: 1000, burst_seconds: 2 }
  - id: globex
    quotas: { spans_per_second: 100 }
  - id: free
`;

describe('QuotaLimiter', () => {
  it('admits up to the burst, then refuses with the time the deficit takes to refill', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 150, 0, 0)).toEqual({ ok: true });
    expect(limiter.tryTake('acme', 'traces', 50, 0, 0)).toEqual({ ok: true });
    // Bucket empty (burst 200); 30 spans at 100/s need 300 ms.
    expect(limiter.tryTake('acme', 'traces', 30, 0, 0)).toEqual({ ok: false, retryAfterMs: 300, reason: 'items' });
    expect(limiter.tryTake('acme', 'traces', 30, 0, 299)).toMatchObject({ ok: false, retryAfterMs: 1 });
    expect(limiter.tryTake('acme', 'traces', 30, 0, 300)).toEqual({ ok: true });
  });

  it('refills over injected time, capped at the burst', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 200, 0, 0).ok).toBe(true);
    // A long idle period refills to the burst, not beyond.
    expect(limiter.tryTake('acme', 'traces', 200, 0, 60_000).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 1, 0, 60_000)).toMatchObject({ ok: false, retryAfterMs: 10 });
    expect(limiter.tryTake('acme', 'traces', 1, 0, 60_010).ok).toBe(true);
  });

  it('never refuses forever: an oversize request passes on a full bucket and is paid back', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'logs', 30, 0, 0)).toEqual({ ok: true });
    // Level is now 20 - 30 = -10: one record waits 1.1 s at 10/s.
    expect(limiter.tryTake('acme', 'logs', 1, 0, 0)).toEqual({ ok: false, retryAfterMs: 1100, reason: 'items' });
    // Oversize again before the bucket is full: wait until it is full (−10 → 20 = 3 s).
    expect(limiter.tryTake('acme', 'logs', 30, 0, 0)).toMatchObject({ ok: false, retryAfterMs: 3000 });
    expect(limiter.tryTake('acme', 'logs', 30, 0, 3000)).toEqual({ ok: true });
  });

  it('is all-or-nothing across the item and byte buckets', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    // Bytes burst is 2000.
    expect(limiter.tryTake('acme', 'traces', 10, 1900, 0)).toEqual({ ok: true });
    expect(limiter.tryTake('acme', 'traces', 10, 500, 0)).toEqual({ ok: false, retryAfterMs: 400, reason: 'bytes' });
    // The refused request took no spans: 190 are still available.
    expect(limiter.tryTake('acme', 'traces', 190, 0, 0)).toEqual({ ok: true });
    // Both short: the longer wait wins.
    expect(limiter.tryTake('acme', 'traces', 100, 100, 0)).toEqual({ ok: false, retryAfterMs: 1000, reason: 'items' });
  });

  it('shares the bytes bucket across signals and keeps item buckets per signal', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 200, 2000, 0).ok).toBe(true);
    expect(limiter.tryTake('acme', 'logs', 1, 0, 0).ok).toBe(true);
    expect(limiter.tryTake('acme', 'logs', 1, 1, 0)).toMatchObject({ ok: false, reason: 'bytes' });
    // No metric-point limit for acme: items pass when no bytes are asked.
    expect(limiter.tryTake('acme', 'metrics', 1_000_000, 0, 0).ok).toBe(true);
  });

  it('leaves other tenants unaffected, and does not limit tenants without quotas or outside the table', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 200, 0, 0).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 1, 0, 0).ok).toBe(false);
    expect(limiter.tryTake('globex', 'traces', 100, 0, 0).ok).toBe(true);
    expect(limiter.tryTake('free', 'traces', 1e9, 1e12, 0).ok).toBe(true);
    expect(limiter.tryTake('stranger', 'traces', 1e9, 1e12, 0).ok).toBe(true);
    expect(limiter.size).toBe(2);
  });

  it('applies reloaded limits: new rate, level clamped, removed tenants dropped, new ones full', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 50, 0, 0).ok).toBe(true); // level 150
    limiter.update(
      entries(`
tenants:
  - id: acme
    quotas: { spans_per_second: 10 }
  - id: umbrella
    quotas: { spans_per_second: 5 }
`),
      0,
    );
    // Level 150 clamped to the new burst of 10, refilled at 10/s.
    expect(limiter.tryTake('acme', 'traces', 10, 0, 0).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 5, 0, 0)).toEqual({ ok: false, retryAfterMs: 500, reason: 'items' });
    expect(limiter.tryTake('umbrella', 'traces', 5, 0, 0).ok).toBe(true);
    expect(limiter.tryTake('umbrella', 'traces', 1, 0, 0).ok).toBe(false);
    expect(limiter.tryTake('globex', 'traces', 1e6, 0, 0).ok).toBe(true);
    expect(limiter.size).toBe(2);
  });

  it('keeps a drained level across a reload instead of refilling it', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 200, 0, 0).ok).toBe(true);
    limiter.update(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 1, 0, 0).ok).toBe(false);
  });

  it('grants nothing when the clock steps back', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 10_000);
    expect(limiter.tryTake('acme', 'traces', 200, 0, 10_000).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 1, 0, 0).ok).toBe(false);
    expect(limiter.tryTake('acme', 'traces', 1, 0, 10_010).ok).toBe(true);
  });

  it('admits empty requests without touching the buckets', () => {
    const limiter = new QuotaLimiter(entries(TABLE), 0);
    expect(limiter.tryTake('acme', 'traces', 200, 0, 0).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 0, 0, 0).ok).toBe(true);
  });
});

describe('QuotaLimiter retryAfterMs', () => {
  it('is always enough and never more than 1 ms too long (randomized)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 300; round++) {
      const rate = Math.ceil(random() * 5000);
      const limiter = new QuotaLimiter(entries(`tenants: [{ id: t, quotas: { spans_per_second: ${rate}, burst_seconds: 1 } }]`), 0);
      let now = 0;
      for (let i = 0; i < 20; i++) {
        now += Math.floor(random() * 50);
        const items = 1 + Math.floor(random() * rate);
        const result = limiter.tryTake('t', 'traces', items, 0, now);
        if (result.ok) continue;
        if (result.retryAfterMs > 1) expect(limiter.tryTake('t', 'traces', items, 0, now + result.retryAfterMs - 2).ok).toBe(false);
        expect(limiter.tryTake('t', 'traces', items, 0, now + result.retryAfterMs).ok).toBe(true);
        now += result.retryAfterMs;
      }
    }
  });
});
