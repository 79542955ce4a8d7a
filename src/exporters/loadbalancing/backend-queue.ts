import type { Batch } from '../../core/batch.ts';
import type { ExportQueue, OfferResult, QueueEntry } from '../helper/memory-queue.ts';

/**
 * A backend's queue as its exporter helper sees it, with one extra move: `retire()` takes the
 * queue away from the helper's consumers so that what it holds can be routed to the keys' new
 * owners. The Collector loses a removed backend's queue with its exporter; here the entries move.
 *
 * While retiring, the helper's consumers find nothing (poll → undefined, whenReady → false), an
 * entry the helper releases after its interrupted send is kept for re-routing, and the queue
 * reports itself persistent so the helper does not count those entries as lost.
 */
export class BackendQueue implements ExportQueue {
  readonly #inner: ExportQueue;
  readonly #offers = new Set<Promise<OfferResult>>();
  /** Entries released by the helper while retiring, for an inner queue that forgets them (memory). */
  readonly #released: QueueEntry[] = [];
  #retiring = false;

  constructor(inner: ExportQueue) {
    this.#inner = inner;
  }

  get size(): number {
    return this.#inner.size;
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

  poll(): Promise<QueueEntry | undefined> {
    return this.#retiring ? Promise.resolve(undefined) : this.#inner.poll();
  }

  whenReady(): Promise<boolean> {
    return this.#retiring ? Promise.resolve(false) : this.#inner.whenReady();
  }

  ack(entry: QueueEntry): void {
    this.#inner.ack(entry);
  }

  release(entry: QueueEntry): void {
    if (this.#retiring && !this.#inner.persistent) this.#released.push(entry);
    else this.#inner.release(entry);
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
    for (let entry = this.#released.shift(); entry !== undefined; entry = this.#released.shift()) {
      if (!(await take(entry))) return;
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
