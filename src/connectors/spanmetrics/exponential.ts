// A base-2 exponential histogram of positive values (span durations), as OpenTelemetry defines
// it: bucket i at scale s holds (2^(i/2^s), 2^((i+1)/2^s)]. It starts at the finest scale and
// halves its resolution (scale - 1, merging bucket pairs) whenever a value would need more than
// `maxSize` buckets, as the SDKs and the Collector do.

const MAX_SCALE = 20;

export class ExponentialBuckets {
  scale = MAX_SCALE;
  offset = 0;
  counts: Float64Array;
  /** Buckets in use, from `offset`. */
  length = 0;
  zeroCount = 0;
  readonly #maxSize: number;

  constructor(maxSize: number) {
    this.#maxSize = maxSize;
    this.counts = new Float64Array(Math.min(maxSize, 16));
  }

  record(value: number): void {
    if (!(value > 0)) {
      this.zeroCount++;
      return;
    }
    let index = indexOf(value, this.scale);
    if (this.length === 0) {
      this.offset = index;
      this.length = 1;
      this.counts[0] = 1;
      return;
    }
    let low = Math.min(this.offset, index);
    let high = Math.max(this.offset + this.length - 1, index);
    let shift = 0;
    while (high - low + 1 > this.#maxSize) {
      low = Math.floor(low / 2);
      high = Math.floor(high / 2);
      shift++;
    }
    if (shift > 0) {
      this.#downscale(shift);
      index = Math.floor(index / 2 ** shift);
    }
    if (index < this.offset) {
      // Grow to the left: move the counts up.
      const by = this.offset - index;
      this.#ensure(this.length + by);
      this.counts.copyWithin(by, 0, this.length);
      this.counts.fill(0, 0, by);
      this.offset = index;
      this.length += by;
    } else if (index >= this.offset + this.length) {
      this.#ensure(index - this.offset + 1);
      this.counts.fill(0, this.length, index - this.offset + 1);
      this.length = index - this.offset + 1;
    }
    this.counts[index - this.offset]++;
  }

  #downscale(shift: number): void {
    const factor = 2 ** shift;
    const newOffset = Math.floor(this.offset / factor);
    const merged = new Float64Array(this.counts.length);
    let newLength = 0;
    for (let i = 0; i < this.length; i++) {
      const at = Math.floor((this.offset + i) / factor) - newOffset;
      merged[at] += this.counts[i];
      newLength = at + 1;
    }
    this.counts = merged;
    this.offset = newOffset;
    this.length = newLength;
    this.scale -= shift;
  }

  #ensure(size: number): void {
    if (size <= this.counts.length) return;
    const grown = new Float64Array(Math.min(this.#maxSize, Math.max(size, this.counts.length * 2)));
    grown.set(this.counts.subarray(0, this.length));
    this.counts = grown;
  }
}

/** The bucket of a positive value at `scale`: ceil(log2(value) × 2^scale) − 1, exact at powers of two. */
export function indexOf(value: number, scale: number): number {
  const exact = Math.log2(value);
  if (Number.isInteger(exact)) return exact * 2 ** scale - 1;
  return Math.ceil(exact * 2 ** scale) - 1;
}
