// The verdict cache answers only for the exact bytes it was given, forgets what it cannot hold,
// and says when a slot no longer holds the entry a caller remembered.
import { describe, expect, test } from 'vitest';
import { VerdictCache } from '../../src/processors/redaction/verdict-cache.ts';

const view = (text: string) => {
  const bytes = Buffer.from(text, 'latin1');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
};

/** Two different fields of one length that hash to the same slot. */
function collidingPair(cache: VerdictCache): [string, string] {
  const bySlot = new Map<number, string>();
  for (let i = 0; ; i++) {
    const field = `field-${i.toString().padStart(8, '0')}`;
    cache.find(view(field), 0, field.length);
    const other = bySlot.get(cache.slot);
    if (other !== undefined) return [other, field];
    bySlot.set(cache.slot, field);
  }
}

describe('verdict cache', () => {
  test('a field is found only by its own bytes, not by another of its length in its slot', () => {
    const cache = new VerdictCache();
    const [first, second] = collidingPair(cache);
    expect(cache.find(view(first), 0, first.length)).toBe(false);
    const output = Uint8Array.of(1, 2, 3);
    const slot = cache.add(view(first), 0, first.length, null, 0, output);
    expect(cache.find(view(first), 0, first.length)).toBe(true);
    expect(cache.slot).toBe(slot);
    expect(cache.fieldOf(slot)).toBe(output);
    expect(cache.find(view(second), 0, second.length)).toBe(false);
    // The second takes the slot: a caller that remembered the first one's entry can tell.
    const serial = cache.serialOf(slot);
    cache.add(view(second), 0, second.length, null, 0, null);
    expect(cache.holds(slot, serial)).toBe(false);
    expect(cache.find(view(first), 0, first.length)).toBe(false);
    expect(cache.fieldOf(slot)).toBe(null);
  });

  test('fields too short or too long to keep are never found', () => {
    const cache = new VerdictCache();
    for (const field of ['abc', 'x'.repeat(1025)]) {
      expect(cache.find(view(field), 0, field.length)).toBe(false);
      expect(cache.slot).toBe(-1);
    }
  });

  test('when its arena is full it starts over, and an output too long to keep forgets its field', () => {
    const cache = new VerdictCache();
    const field = (i: number) => `${i.toString().padStart(6, '0')}-${'v'.repeat(1000)}`;
    const first = field(0);
    cache.find(view(first), 0, first.length);
    const slot = cache.add(view(first), 0, first.length, null, 0, null);
    const serial = cache.serialOf(slot);
    // 512 KiB of arena holds about 520 fields of 1,007 bytes: the 600th has cleared it.
    for (let i = 1; i < 600; i++) {
      const f = field(i);
      if (!cache.find(view(f), 0, f.length)) cache.add(view(f), 0, f.length, null, 0, null);
    }
    expect(cache.holds(slot, serial)).toBe(false);
    expect(cache.find(view(first), 0, first.length)).toBe(false);

    const long = 'long-output-field';
    cache.find(view(long), 0, long.length);
    const at = cache.add(view(long), 0, long.length, null, 0, new Uint8Array(0));
    cache.keepOutput(at, new Uint8Array(4096));
    expect(cache.find(view(long), 0, long.length)).toBe(false);
  });
});
