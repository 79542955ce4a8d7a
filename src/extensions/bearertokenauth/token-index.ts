import { timingSafeEqual } from 'node:crypto';
import type { TokenRecord } from './tokens-file.ts';

// Finds the tenant of a presented token's digest. Entries are bucketed by the first 4 bytes of
// their digest so a lookup touches a handful of entries, then every candidate is compared in
// full with timingSafeEqual and without an early exit. What timing can reveal is at most the
// digest prefix of the caller's own guess, which says nothing about any stored token.

const PREFIX_BYTES = 4;

export interface TokenMatch {
  readonly tenant: string;
  /** First 8 hex digits of the token's SHA-256: enough to tell tokens apart in logs. */
  readonly tokenHash: string;
}

export class TokenIndex {
  readonly size: number;
  #buckets: Map<string, TokenRecord[]>;

  constructor(records: readonly TokenRecord[]) {
    this.size = records.length;
    this.#buckets = new Map();
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const key = record.digest.toString('hex', 0, PREFIX_BYTES);
      const bucket = this.#buckets.get(key);
      if (bucket === undefined) this.#buckets.set(key, [record]);
      else bucket.push(record);
    }
  }

  find(digest: Buffer): TokenMatch | undefined {
    const prefix = digest.toString('hex', 0, PREFIX_BYTES);
    const bucket = this.#buckets.get(prefix);
    if (bucket === undefined) return undefined;
    let found: TokenRecord | undefined;
    for (let i = 0; i < bucket.length; i++) {
      const candidate = bucket[i];
      if (timingSafeEqual(candidate.digest, digest)) found = candidate;
    }
    return found === undefined ? undefined : { tenant: found.tenant, tokenHash: prefix };
  }
}
