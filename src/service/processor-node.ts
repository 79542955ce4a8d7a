import type { Logger } from 'pino';
import type { Batch } from '../core/batch.ts';
import type { Consumer, Processor } from '../core/component.ts';
import { errorMessage, PipelineError } from '../core/errors.ts';
import type { BoundCounter, Telemetry } from '../core/telemetry.ts';

/** Counts items out of a processor, whether it returns a batch or emits later through `next`. */
export class CountingConsumer implements Consumer {
  readonly #next: Consumer;
  readonly #outgoing: BoundCounter;

  constructor(next: Consumer, outgoing: BoundCounter) {
    this.#next = next;
    this.#outgoing = outgoing;
  }

  consume(batch: Batch): Promise<void> {
    this.#outgoing.add(batch.itemCount);
    return this.#next.consume(batch);
  }
}

export function processorCounters(telemetry: Telemetry, processorId: string, pipelineId: string, signal: string): { incoming: BoundCounter; outgoing: BoundCounter } {
  const labels = { processor: processorId, pipeline: pipelineId, otel_signal: signal };
  const names = ['processor', 'pipeline', 'otel_signal'];
  return {
    incoming: telemetry.counter('otelcol_processor_incoming_items_total', 'Number of items passed to the processor.', names).bind(labels),
    outgoing: telemetry.counter('otelcol_processor_outgoing_items_total', 'Number of items emitted from the processor.', names).bind(labels),
  };
}

/**
 * The framework side of a processor: counts items in and out and turns an unexpected exception
 * into a refusal, so a processor author writes only the transformation.
 */
export class ProcessorNode implements Consumer {
  readonly #id: string;
  readonly #processor: Processor;
  readonly #next: CountingConsumer;
  readonly #incoming: BoundCounter;
  readonly #logger: Logger;

  constructor(id: string, processor: Processor, next: CountingConsumer, incoming: BoundCounter, logger: Logger) {
    this.#id = id;
    this.#processor = processor;
    this.#next = next;
    this.#incoming = incoming;
    this.#logger = logger;
  }

  async consume(batch: Batch): Promise<void> {
    this.#incoming.add(batch.itemCount);
    let result: Batch | null;
    try {
      result = await this.#processor.process(batch);
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      this.#logger.error({ processor: this.#id, error: errorMessage(error) }, 'processor failed');
      throw new PipelineError('internal', `processor ${this.#id} failed`);
    }
    if (result !== null) await this.#next.consume(result);
  }
}
