import type { Batch } from '../../core/batch.ts';
import type { Connector, Consumer } from '../../core/component.ts';

/** Hands every batch of its upstream pipelines to its downstream ones, as it came. */
export class ForwardConnector implements Connector {
  readonly #next: Consumer;

  constructor(next: Consumer) {
    this.#next = next;
  }

  consume(batch: Batch): Promise<void> {
    return this.#next.consume(batch);
  }
}
