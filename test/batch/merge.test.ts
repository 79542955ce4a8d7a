import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { countItems, decodeTraces, scanRequest } from '../../src/otlp/index.ts';
import { mergeBatches } from '../../src/processors/batch/merge.ts';
import { sdkTraces } from '../otlp/sdk-fixtures.ts';

const metadata = () => internalMetadata();

async function parts(sizes: number[]): Promise<Batch<'traces'>[]> {
  const out: Batch<'traces'>[] = [];
  for (const size of sizes) {
    const bytes = (await sdkTraces(size)).proto;
    out.push(Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), metadata()));
  }
  return out;
}

describe('merging encoded batches', () => {
  test('keeps the parts as pieces; joined, they are the concatenated request', async () => {
    const batches = await parts([3, 2, 4]);
    const merged = mergeBatches('traces', batches, metadata());
    const pieces = merged.byteChunks();
    expect(pieces).toEqual(batches.map((b) => b.bytes()));
    expect(pieces[0]).toBe(batches[0].bytes()); // not copied
    const items = batches.reduce((n, b) => n + b.itemCount, 0);
    expect(merged.itemCount).toBe(items);
    expect(merged.hasBytes).toBe(true);
    const joined = Buffer.concat(batches.map((b) => b.bytes()));
    expect(Buffer.from(merged.bytes())).toEqual(joined);
    expect(merged.byteChunks()).toEqual([merged.bytes()]);
    expect(countItems('traces', decodeTraces(merged.bytes()))).toBe(items);
  });

  test('a merge of merges flattens the pieces', async () => {
    const [a, b, c] = await parts([1, 2, 3]);
    const ab = mergeBatches('traces', [a, b], metadata());
    const abc = mergeBatches('traces', [ab, c], metadata());
    expect(abc.byteChunks()).toEqual([a.bytes(), b.bytes(), c.bytes()]);
    expect(abc.itemCount).toBe(a.itemCount + b.itemCount + c.itemCount);
  });

  test('decoding, editing and cloning a merged batch behave as for one buffer', async () => {
    const batches = await parts([2, 2]);
    const [first, second] = batches;
    const merged = mergeBatches('traces', batches, metadata());
    const clone = merged.clone();
    expect(clone.byteChunks()).toEqual(merged.byteChunks());
    expect(countItems('traces', merged.request)).toBe(first.itemCount + second.itemCount);
    merged.mutate().resourceSpans.pop();
    expect(merged.hasBytes).toBe(false);
    expect(merged.itemCount).toBe(first.itemCount);
    expect(scanRequest('traces', merged.bytes())).toBe(first.itemCount);
    expect(scanRequest('traces', clone.bytes())).toBe(first.itemCount + second.itemCount);
  });
});
