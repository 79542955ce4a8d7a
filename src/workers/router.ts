import { Batch } from '../core/batch.ts';
import type { Consumer } from '../core/component.ts';
import { partitionRequest, type PartitionRule } from '../otlp/proto/partition.ts';
import type { Signal } from '../otlp/types.ts';
import type { WorkerMesh } from './mesh.ts';

/**
 * Sits before the first stage of a pipeline that must see every item with the same key (every
 * span of a trace for the sampler, every series of a metric for the cardinality cap): splits each
 * batch by that key, on the bytes, keeps this worker's part and hands each other part to the
 * worker that owns it. Resolves when every part was accepted; the first refusal is the answer.
 */
export class WorkerRouter implements Consumer {
  readonly #mesh: WorkerMesh;
  readonly #key: string;
  readonly #signal: Signal;
  readonly #rule: PartitionRule;
  readonly #local: Consumer;
  readonly #ownerOf: (hash: number) => number;

  constructor(mesh: WorkerMesh, key: string, signal: Signal, rule: PartitionRule, local: Consumer) {
    this.#mesh = mesh;
    this.#key = key;
    this.#signal = signal;
    this.#rule = rule;
    this.#local = local;
    const count = mesh.count;
    this.#ownerOf = (hash) => (hash >>> 0) % count;
    mesh.register(key, local);
  }

  async consume(batch: Batch): Promise<void> {
    const bytes = batch.bytes();
    const { parts, items } = partitionRequest(bytes, this.#rule, this.#mesh.count, this.#ownerOf);
    const self = this.#mesh.index;
    const pending: Promise<void>[] = [];
    for (let owner = 0; owner < parts.length; owner++) {
      const part = parts[owner];
      if (part === undefined) continue;
      if (owner === self) pending.push(this.#local.consume(part === bytes ? batch : Batch.fromBytes(this.#signal, part, items[owner], batch.metadata)));
      else pending.push(this.#mesh.send(owner, this.#key, this.#signal, part, items[owner], batch.metadata));
    }
    if (pending.length === 1) return pending[0];
    const results = await Promise.allSettled(pending);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }
}
