// Buffered spans live as encoded bytes packed into shared slabs, not one ArrayBuffer per span:
// a small Uint8Array costs ~200 B of object and backing-store headers, a third of a typical span.
// A slab is released when its last span is released; deciding traces oldest-first therefore
// frees slabs oldest-first. `allocatedBytes` counts whole slabs, so the buffer bound covers the
// holes left by traces still waiting in a partly-released slab.
//
// Slabs are named by index (SpanTable holds int32s, not references), and the spans of one
// request, which lie back to back in it, are copied in runs: a span stored right after the
// previous one (the few bytes of field header between them included, left as a hole) extends
// the pending run, and the run is copied in one call when it ends, at the latest before any
// slab byte is read (flush). A copy call per span cost more than the bytes it moved. Releasing
// spans needs no flush: a run whose spans are all released is never copied.
import { Buffer } from 'node:buffer';

const MAX_SPARES = 4;
/** Bytes between two spans a run may skip: the second span's field tag and length. */
const MAX_GAP = 16;

const bufferCopy = Buffer.prototype.copy;

export class Slab {
  readonly bytes: Uint8Array;
  readonly index: number;
  /** Bytes of spans still held. */
  live = 0;

  constructor(capacity: number, index: number) {
    this.bytes = new Uint8Array(capacity);
    this.index = index;
  }
}

export class SpanArena {
  readonly #slabSize: number;
  /** Slabs by index; a slot is null once its slab is dropped, and reused by the next new slab. */
  readonly slabs: Array<Slab | null> = [];
  readonly #freeIndexes: number[] = [];
  #current: Slab;
  #pos = 0;
  /** Emptied slabs kept for reuse (counted in allocatedBytes): decisions free them in bursts. */
  readonly #spares: Slab[] = [];
  /** The pending run: src[runStart, runEnd) goes to the current slab at runAt (runSrc null: none). */
  #runSrc: Uint8Array | null = null;
  #runStart = 0;
  #runEnd = 0;
  #runAt = 0;
  /** Offset of the bytes stored by the last `store` call (returned this way to avoid a tuple). */
  lastOffset = 0;
  allocatedBytes: number;

  constructor(slabSize: number) {
    this.#slabSize = slabSize;
    this.#current = this.#newSlab(slabSize);
    this.allocatedBytes = slabSize;
  }

  /** Bytes a store of `length` bytes would add to allocatedBytes. */
  growthFor(length: number): number {
    if (length > this.#slabSize / 4) return length;
    if (this.#pos + length <= this.#slabSize || this.#current.live === 0 || this.#spares.length > 0) return 0;
    return this.#slabSize;
  }

  /** Places src[start, end) in a slab (copied now or with its run); returns the slab's index, the offset is left in lastOffset. */
  store(src: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length > this.#slabSize / 4) {
      // A big span gets a slab of its own rather than wasting the rest of a shared one.
      this.flush();
      const own = this.#newSlab(length);
      bufferCopy.call(src, own.bytes, 0, start, end);
      own.live = length;
      this.allocatedBytes += length;
      this.lastOffset = 0;
      return own.index;
    }
    const gap = start - this.#runEnd;
    if (src === this.#runSrc && gap >= 0 && gap <= MAX_GAP && this.#pos + gap + length <= this.#slabSize) {
      // Right after the run's last span: the run grows over the gap and this span.
      const at = this.#pos + gap;
      this.#runEnd = end;
      this.#current.live += length;
      this.lastOffset = at;
      this.#pos = at + length;
      return this.#current.index;
    }
    this.flush();
    if (this.#pos + length > this.#slabSize) {
      if (this.#current.live === 0) {
        this.#pos = 0;
      } else {
        let next = this.#spares.pop();
        if (next === undefined) {
          next = this.#newSlab(this.#slabSize);
          this.allocatedBytes += this.#slabSize;
        }
        this.#current = next;
        this.#pos = 0;
      }
    }
    const slab = this.#current;
    this.#runSrc = src;
    this.#runStart = start;
    this.#runEnd = end;
    this.#runAt = this.#pos;
    slab.live += length;
    this.lastOffset = this.#pos;
    this.#pos += length;
    return slab.index;
  }

  /** Copies the pending run into its slab. Call before reading slab bytes and before `src` may change. */
  flush(): void {
    const src = this.#runSrc;
    if (src === null) return;
    this.#runSrc = null;
    bufferCopy.call(src, this.#current.bytes, this.#runAt, this.#runStart, this.#runEnd);
  }

  release(index: number, length: number): void {
    const slab = this.slabs[index]!;
    slab.live -= length;
    if (slab.live !== 0) return;
    if (slab === this.#current) {
      // Reuse in place. A pending run held only released spans (they count in `live`): it is not copied.
      this.#pos = 0;
      this.#runSrc = null;
    } else if (slab.bytes.length === this.#slabSize && this.#spares.length < MAX_SPARES) {
      this.#spares.push(slab);
    } else {
      this.allocatedBytes -= slab.bytes.length;
      this.slabs[index] = null;
      this.#freeIndexes.push(index);
    }
  }

  #newSlab(capacity: number): Slab {
    const reused = this.#freeIndexes.pop();
    const slab = new Slab(capacity, reused ?? this.slabs.length);
    if (reused === undefined) this.slabs.push(slab);
    else this.slabs[reused] = slab;
    return slab;
  }
}
