import type { RequestBySignal, Signal } from '../otlp/types.ts';
import { countItems, decodeRequest, encodeRequest } from '../otlp/protobuf.ts';
import type { RequestMetadata } from './metadata.ts';

// A batch is one OTLP export request plus its request metadata. It holds the protobuf bytes,
// the decoded objects, or both, and converts lazily: a pipeline that only forwards never decodes,
// and one that edits pays for one decode and one encode. Bytes are never mutated once set, so
// clones share them. Merged bytes may stay as the list of requests they came from (an
// Export*ServiceRequest is one repeated field, so concatenated requests are one request): an
// exporter that can write them in pieces never copies them into one buffer.

export class Batch<S extends Signal = Signal> {
  readonly signal: S;
  readonly metadata: RequestMetadata;
  #bytes: Uint8Array | undefined;
  /** Encoded requests whose concatenation is this batch's bytes; set only while #bytes is not. */
  #chunks: readonly Uint8Array[] | undefined;
  #request: RequestBySignal[S] | undefined;
  #itemCount: number;
  /** Encoded size, last known: kept through a decode, so memory accounting never encodes. */
  #byteLength: number;

  private constructor(
    signal: S,
    metadata: RequestMetadata,
    bytes: Uint8Array | undefined,
    request: RequestBySignal[S] | undefined,
    itemCount: number,
    chunks: readonly Uint8Array[] | undefined = undefined,
  ) {
    this.signal = signal;
    this.metadata = metadata;
    this.#bytes = bytes;
    this.#chunks = chunks;
    this.#request = request;
    this.#itemCount = itemCount;
    this.#byteLength = bytes !== undefined ? bytes.byteLength : chunks !== undefined ? chunksLength(chunks) : 0;
  }

  /** `itemCount` must be what the receiver's scan counted, so accounting never needs a decode. */
  static fromBytes<S extends Signal>(signal: S, bytes: Uint8Array, itemCount: number, metadata: RequestMetadata): Batch<S> {
    return new Batch(signal, metadata, bytes, undefined, itemCount);
  }

  /** Bytes that are the concatenation of `chunks`, each an encoded request; joined only if someone asks for bytes(). */
  static fromChunks<S extends Signal>(signal: S, chunks: readonly Uint8Array[], itemCount: number, metadata: RequestMetadata): Batch<S> {
    return chunks.length === 1 ? new Batch(signal, metadata, chunks[0], undefined, itemCount) : new Batch(signal, metadata, undefined, undefined, itemCount, chunks);
  }

  /** `sizeHint`: what the request's objects stand for in byteLength (OTLP/JSON: its body's size), as they were never encoded. */
  static fromRequest<S extends Signal>(signal: S, request: RequestBySignal[S], metadata: RequestMetadata, sizeHint = 0): Batch<S> {
    const batch = new Batch(signal, metadata, undefined, request, -1);
    batch.#byteLength = sizeHint;
    return batch;
  }

  get itemCount(): number {
    if (this.#itemCount < 0) this.#itemCount = countItems(this.signal, this.#request as RequestBySignal[S]);
    return this.#itemCount;
  }

  /** The decoded request, for reading. Call mutate() instead before changing anything. */
  get request(): RequestBySignal[S] {
    if (this.#request === undefined) this.#request = decodeRequest(this.signal, this.bytes());
    return this.#request;
  }

  /** The decoded request, for editing in place: the cached bytes and count are dropped. */
  mutate(): RequestBySignal[S] {
    const request = this.request;
    this.#bytes = undefined;
    this.#chunks = undefined;
    this.#itemCount = -1;
    return request;
  }

  /** Replaces the data with already-encoded bytes (byte-level edits such as resource splicing). */
  replaceBytes(bytes: Uint8Array, itemCount = this.itemCount): void {
    this.#bytes = bytes;
    this.#byteLength = bytes.byteLength;
    this.#chunks = undefined;
    this.#request = undefined;
    this.#itemCount = itemCount;
  }

  /** The protobuf encoding of the request, encoded once and cached. */
  bytes(): Uint8Array {
    if (this.#bytes === undefined) {
      if (this.#chunks !== undefined) {
        this.#bytes = Buffer.concat(this.#chunks);
        this.#chunks = undefined;
      } else {
        this.#bytes = encodeRequest(this.signal, this.#request as RequestBySignal[S]);
      }
    }
    return this.#bytes;
  }

  /** The protobuf encoding as pieces to write one after another, without joining them. */
  byteChunks(): readonly Uint8Array[] {
    return this.#chunks ?? [this.bytes()];
  }

  /**
   * The encoded size as last known, for memory accounting: exact while the batch holds bytes; after
   * a decode, what it was before (decoded objects take several times that); 0 for a batch built
   * from objects that was never encoded.
   */
  get byteLength(): number {
    return this.#bytes !== undefined ? this.#bytes.byteLength : this.#byteLength;
  }

  get hasBytes(): boolean {
    return this.#bytes !== undefined || this.#chunks !== undefined;
  }

  /** A copy that a mutating consumer may edit freely; it shares only the immutable bytes. */
  clone(metadata: RequestMetadata = this.metadata): Batch<S> {
    if (this.#chunks !== undefined) return new Batch(this.signal, metadata, undefined, undefined, this.#itemCount, this.#chunks);
    // itemCount, not #itemCount: a batch built from a request has not counted yet, and the copy has no request to count.
    return new Batch(this.signal, metadata, this.bytes(), undefined, this.itemCount);
  }

  /** A batch over new data that keeps this batch's metadata (for processors that split or rebuild). */
  withRequest(request: RequestBySignal[S]): Batch<S> {
    return new Batch(this.signal, this.metadata, undefined, request, -1);
  }
}

function chunksLength(chunks: readonly Uint8Array[]): number {
  let length = 0;
  for (let i = 0; i < chunks.length; i++) length += chunks[i].byteLength;
  return length;
}
