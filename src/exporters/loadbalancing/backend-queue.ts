import { Batch } from '../../core/batch.ts';
import type { ExportQueue, OfferResult, QueueEntry } from '../../core/storage.ts';

/**
 * A backend's queue as its exporter helper sees it, with one extra move: `retire()` takes the
 * queue away from the helper's consumers so that what it holds can be routed to the keys' new
 * owners. The Collector loses a removed backend's queue with its exporter; here the entries move.
 *
 * While retiring, the helper's consumers find nothing (poll → undefined, whenReady → false), an
 * entry the helper releases after its interrupted send is kept for re-routing, and the queue
 * reports itself persistent so the helper does not count those entries as lost.
 *
 * It also joins waiting entries into one request (up to `maxMergeBytes`, one tenant at a time):
 * the router cuts every incoming request into one part per backend, and without this each part
 * would be its own, ever smaller, export call. Joining costs nothing (the parts become the chunks
 * of one batch) and happens only when entries are already waiting, so it adds no delay.
 */
export class BackendQueue implements ExportQueue {
  readonly #inner: ExportQueue;
  readonly #maxMergeBytes: number;
  readonly #offers = new Set<Promise<OfferResult>>();
  /** Entries released by the helper while retiring, for an inner queue that forgets them (memory). */
  readonly #released: QueueEntry[] = [];
  /** A joined entry → the inner entries it stands for (each acked or released with it). */
  readonly #joined = new WeakMap<QueueEntry, QueueEntry[]>();
  /** An entry taken from the inner queue that did not fit the last join; the next poll starts with it. */
  #carry: QueueEntry | undefined;
  #retiring = false;
  /** Resolves false at retire(): wakes consumers parked in the inner queue, which a persistent queue holding entries would not. */
  readonly #retired: Promise<boolean>;
  #wakeRetired!: (ready: boolean) => void;

  constructor(inner: ExportQueue, maxMergeBytes: number) {
    this.#inner = inner;
    this.#maxMergeBytes = maxMergeBytes;
    this.#retired = new Promise((resolve) => (this.#wakeRetired = resolve));
  }

  get size(): number {
    return this.#inner.size + (this.#carry === undefined ? 0 : 1);
  }

  get capacity(): number {
    return this.#inner.capacity;
  }

  get persistent(): boolean {
    return this.#retiring || this.#inner.persistent;
  }

  get oldestEnqueuedAt(): number | undefined {
    return this.#inner.oldestEnqueuedAt;
  }

  get sizeBytes(): number | undefined {
    return this.#inner.sizeBytes;
  }

  get capacityBytes(): number | undefined {
    return this.#inner.capacityBytes;
  }

  offer(batch: Batch): Promise<OfferResult> {
    if (this.#retiring) return Promise.resolve('full');
    const offer = this.#inner.offer(batch);
    this.#offers.add(offer);
    const settle = () => this.#offers.delete(offer);
    offer.then(settle, settle);
    return offer;
  }

  async poll(): Promise<QueueEntry | undefined> {
    if (this.#retiring) return undefined;
    const first = this.#carry ?? (await this.#inner.poll());
    this.#carry = undefined;
    if (first === undefined) return undefined;
    let bytes = sizeOf(first.batch);
    if (bytes >= this.#maxMergeBytes || this.#inner.size === 0) return first;
    const entries = [first];
    while (bytes < this.#maxMergeBytes) {
      const next = await this.#inner.poll();
      if (next === undefined) break;
      const size = sizeOf(next.batch);
      if (bytes + size > this.#maxMergeBytes || next.batch.metadata.tenant !== first.batch.metadata.tenant) {
        this.#carry = next;
        break;
      }
      entries.push(next);
      bytes += size;
    }
    if (entries.length === 1) return first;
    const chunks: Uint8Array[] = [];
    let items = 0;
    for (const entry of entries) {
      chunks.push(...entry.batch.byteChunks());
      items += entry.batch.itemCount;
    }
    const joined: QueueEntry = { batch: Batch.fromChunks(first.batch.signal, chunks, items, first.batch.metadata), enqueuedAt: first.enqueuedAt };
    this.#joined.set(joined, entries);
    return joined;
  }

  whenReady(): Promise<boolean> {
    if (this.#retiring) return Promise.resolve(false);
    if (this.#carry !== undefined) return Promise.resolve(true);
    return Promise.race([this.#inner.whenReady(), this.#retired]);
  }

  ack(entry: QueueEntry): void {
    const entries = this.#joined.get(entry);
    if (entries === undefined) this.#inner.ack(entry);
    else for (const e of entries) this.#inner.ack(e);
  }

  release(entry: QueueEntry): void {
    for (const e of this.#joined.get(entry) ?? [entry]) {
      if (this.#retiring && !this.#inner.persistent) this.#released.push(e);
      else this.#inner.release(e);
    }
  }

  close(): Promise<void> {
    // While retiring the inner queue is emptied by the exporter before it is closed.
    return this.#retiring ? Promise.resolve() : this.#inner.close();
  }

  async dispose(): Promise<void> {
    if (!this.#retiring) await this.#inner.dispose?.();
  }

  /** Takes the queue from the helper's consumers; parked ones wake and stop. */
  async retire(): Promise<void> {
    this.#retiring = true;
    this.#wakeRetired(false);
    await this.#inner.close();
  }

  /**
   * Hands `take` every entry left once the helper has stopped: the ones it released, then the
   * queue's own. `take` resolves true once the entry is safely in other queues, and only then is it
   * acknowledged here; on false the drain stops, and a persistent queue keeps the rest.
   */
  async drain(take: (entry: QueueEntry) => Promise<boolean>): Promise<void> {
    // An offer that began before the ring changed lands here; wait for it so it is not stranded.
    while (this.#offers.size > 0) await Promise.allSettled([...this.#offers]);
    // Taken from the inner queue already: the carried entry, and (memory) the released ones.
    const taken = this.#released.splice(0);
    if (this.#carry !== undefined) taken.unshift(this.#carry);
    this.#carry = undefined;
    for (let i = 0; i < taken.length; i++) {
      if (!(await take(taken[i]))) {
        for (let j = i; j < taken.length; j++) this.#inner.release(taken[j]);
        return;
      }
      this.#inner.ack(taken[i]);
    }
    for (let entry = await this.#inner.poll(); entry !== undefined; entry = await this.#inner.poll()) {
      if (!(await take(entry))) {
        this.#inner.release(entry);
        return;
      }
      this.#inner.ack(entry);
    }
  }

  /** Closes the inner queue for good (a persistent one keeps what was not taken). */
  async disposeInner(): Promise<void> {
    await this.#inner.dispose?.();
  }
}

function sizeOf(batch: Batch): number {
  const chunks = batch.byteChunks();
  let n = 0;
  for (let i = 0; i < chunks.length; i++) n += chunks[i].length;
  return n;
}
