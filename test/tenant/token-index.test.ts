import { describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const { timingSafeEqual } = await import('node:crypto');
const { TokenIndex } = await import('../../src/extensions/bearertokenauth/token-index.ts');
const { sha256 } = await import('../../src/extensions/bearertokenauth/tokens-file.ts');

/** A digest sharing its first 4 bytes with `base`, so it lands in the same bucket. */
function sibling(base: Buffer, lastByte: number): Buffer {
  const copy = Buffer.from(base);
  copy[31] = lastByte;
  return copy;
}

describe('TokenIndex', () => {
  it('compares every candidate in the bucket with timingSafeEqual, without stopping at a match', () => {
    const target = sha256('alpha');
    const index = new TokenIndex([
      { digest: target, tenant: 'acme' },
      { digest: sibling(target, target[31] ^ 1), tenant: 'globex' },
      { digest: sibling(target, target[31] ^ 2), tenant: 'initech' },
    ]);
    const spy = vi.mocked(timingSafeEqual);
    spy.mockClear();
    expect(index.find(target)).toEqual({ tenant: 'acme', tokenHash: target.toString('hex', 0, 4) });
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('does no comparison when no bucket matches, and finds nothing', () => {
    const index = new TokenIndex([{ digest: sha256('alpha'), tenant: 'acme' }]);
    const spy = vi.mocked(timingSafeEqual);
    spy.mockClear();
    expect(index.find(sha256('beta'))).toBeUndefined();
    expect(spy).not.toHaveBeenCalled();
  });

  it('rejects a digest that only shares the bucket prefix', () => {
    const target = sha256('alpha');
    const index = new TokenIndex([{ digest: target, tenant: 'acme' }]);
    expect(index.find(sibling(target, target[31] ^ 0xff))).toBeUndefined();
  });
});
