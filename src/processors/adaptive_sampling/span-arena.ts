// Buffered spans live as encoded bytes packed into shared slabs, not one ArrayBuffer per span:
// a small Uint8Array costs ~200 B of object and backing-store headers, a third of a typical span.
// A slab is released when its last span is released; deciding traces oldest-first therefore
// frees slabs oldest-first. `allocatedBytes` counts whole slabs, so the buffer bound covers the
// holes left by traces still waiting in a partly-released slab.

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
  #spare: Slab | null = null;
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
    if (this.#pos + length <= this.#slabSize || this.#current.live === 0 || this.#spare !== null) return 0;
    return this.#slabSize;
  }

  store(src: Uint8Array): Slab {
    const length = src.length;
    if (length > this.#slabSize / 4) {
      // A big span gets a slab of its own rather than wasting the rest of a shared one.
      const own = new Slab(length);
      own.bytes.set(src, 0);
      own.live = length;
      this.allocatedBytes += length;
      this.lastOffset = 0;
      return own;
    }
    if (this.#pos + length > this.#slabSize) {
      if (this.#current.live === 0) {
        this.#pos = 0;
      } else {
        const next = this.#spare ?? new Slab(this.#slabSize);
        if (this.#spare === null) this.allocatedBytes += this.#slabSize;
        this.#spare = null;
        this.#current = next;
        this.#pos = 0;
      }
    }
    const slab = this.#current;
    slab.bytes.set(src, this.#pos);
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
    } else if (slab.bytes.length === this.#slabSize && this.#spare === null) {
      this.#spare = slab; // one spare slab avoids reallocating at every boundary; still counted
    } else {
      this.allocatedBytes -= slab.bytes.length;
    }
  }
}
