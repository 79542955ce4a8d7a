import { createRequire } from 'node:module';

// snappyjs ships no type declarations; the cast here keeps that local instead of declaring a
// global ambient module that other folders would inherit.
interface SnappyJs {
  compress(input: Uint8Array): Uint8Array<ArrayBuffer>;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}

const snappy = createRequire(import.meta.url)('snappyjs') as SnappyJs;

/** Snappy block format (not framed), as remote write requires. */
export function snappyCompress(input: Uint8Array): Uint8Array<ArrayBuffer> {
  return snappy.compress(input);
}

export function snappyUncompress(input: Uint8Array, maxLength?: number): Uint8Array {
  return snappy.uncompress(input, maxLength);
}
