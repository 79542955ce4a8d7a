// Buffered spans live as encoded bytes packed into shared slabs, not one ArrayBuffer per span:
// a small Uint8Array costs ~200 B of object and backing-store headers, a third of a typical span.
// A slab is released when its last span is released; deciding traces oldest-first therefore
// frees slabs oldest-first. `allocatedBytes` counts whole slabs, so the buffer bound covers the
// holes left by traces still waiting in a partly-released slab.

const MAX_SPARES = 4;

export class Slab {
  readonly bytes: Uint8Array;
  /** Bytes of spans still held. */
  live = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }
}

export class SpanArena {
  readonly #slabSize: number;
  #current: Slab;
  #pos = 0;
  /** Emptied slabs kept for reuse (counted in allocatedBytes): decisions free them in bursts. */
  readonly #spares: Slab[] = [];
  /** Offset of the bytes stored by the last `store` call (returned this way to avoid a tuple). */
  lastOffset = 0;
  allocatedBytes: number;

  constructor(slabSize: number) {
    this.#slabSize = slabSize;
    this.#current = new Slab(slabSize);
    this.allocatedBytes = slabSize;
  }

  /** Bytes a store of `length` bytes would add to allocatedBytes. */
  growthFor(length: number): number {
    if (length > this.#slabSize / 4) return length;
    if (this.#pos + length <= this.#slabSize || this.#current.live === 0 || this.#spares.length > 0) return 0;
    return this.#slabSize;
  }

  /** Copies src[start, end) into a slab; the offset is left in lastOffset. */
  store(src: Uint8Array, start: number, end: number): Slab {
    const length = end - start;
    if (length > this.#slabSize / 4) {
      // A big span gets a slab of its own rather than wasting the rest of a shared one.
      const own = new Slab(length);
      own.bytes.set(src.subarray(start, end), 0);
      own.live = length;
      this.allocatedBytes += length;
      this.lastOffset = 0;
      return own;
    }
    if (this.#pos + length > this.#slabSize) {
      if (this.#current.live === 0) {
        this.#pos = 0;
      } else {
        let next = this.#spares.pop();
        if (next === undefined) {
          next = new Slab(this.#slabSize);
          this.allocatedBytes += this.#slabSize;
        }
        this.#current = next;
        this.#pos = 0;
      }
    }
    const slab = this.#current;
    copyBytes(src, start, end, slab.bytes, this.#pos);
    slab.live += length;
    this.lastOffset = this.#pos;
    this.#pos += length;
    return slab;
  }

  release(slab: Slab, length: number): void {
    slab.live -= length;
    if (slab.live !== 0) return;
    if (slab === this.#current) {
      this.#pos = 0; // reuse in place
    } else if (slab.bytes.length === this.#slabSize && this.#spares.length < MAX_SPARES) {
      this.#spares.push(slab);
    } else {
      this.allocatedBytes -= slab.bytes.length;
    }
  }
}

/** Short spans copy faster in a loop than through a subarray view and TypedArray.set. */
function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  if (end - start > 256) {
    dst.set(src.subarray(start, end), at);
    return;
  }
  for (let i = start; i < end; i++) dst[at++] = src[i];
}
