import { isUtf8 } from 'node:buffer';
import type { Logger } from 'pino';
import { Batch } from '../../core/batch.ts';
import type { Consumer } from '../../core/component.ts';
import { errorMessage, PipelineError } from '../../core/errors.ts';
import type { RequestMetadata } from '../../core/metadata.ts';
import { ITEM_NAMES, type BoundCounter, type Telemetry } from '../../core/telemetry.ts';
import { decodeJson } from '../../otlp/json.ts';
import { OtlpDecodeError, scanRequest } from '../../otlp/protobuf.ts';
import type { Signal } from '../../otlp/types.ts';

export type Encoding = 'proto' | 'json';

export type AcceptOutcome =
  | { ok: true; rejected: number; message: string }
  | { ok: false; error: PipelineError };

interface SignalCounters {
  accepted: BoundCounter;
  refused: BoundCounter;
}

/**
 * What both transports do with a request body: validate it, wrap it in a batch with its
 * metadata, hand it to the pipelines, and count the outcome in the Collector's receiver metrics.
 * Protobuf is only scanned (validated and counted), never decoded, so a forwarding pipeline keeps
 * the original bytes.
 */
export class RequestAcceptor {
  readonly #consumers: Partial<Record<Signal, Consumer>>;
  readonly #counters: Partial<Record<Signal, SignalCounters>> = {};
  readonly #logger: Logger;
  readonly #refusedRequests: ReturnType<Telemetry['counter']>;
  readonly #labels: { receiver: string; transport: string };

  constructor(receiverId: string, transport: 'grpc' | 'http', consumers: Partial<Record<Signal, Consumer>>, telemetry: Telemetry, logger: Logger) {
    this.#consumers = consumers;
    this.#logger = logger;
    this.#labels = { receiver: receiverId, transport };
    this.#refusedRequests = telemetry.counter('sluice_receiver_refused_requests_total', 'Requests refused, by reason (bad input, limits, auth, load).', ['receiver', 'transport', 'reason']);
    for (const signal of Object.keys(consumers) as Signal[]) {
      const items = ITEM_NAMES[signal];
      const labels = { receiver: receiverId, transport };
      this.#counters[signal] = {
        accepted: telemetry.counter(`otelcol_receiver_accepted_${items}_total`, `Number of ${items.replace('_', ' ')} successfully pushed into the pipeline.`, ['receiver', 'transport']).bind(labels),
        refused: telemetry.counter(`otelcol_receiver_refused_${items}_total`, `Number of ${items.replace('_', ' ')} that could not be pushed into the pipeline.`, ['receiver', 'transport']).bind(labels),
      };
    }
  }

  handles(signal: Signal): boolean {
    return this.#consumers[signal] !== undefined;
  }

  /** Counts every refused request by reason, including those whose items could not be counted. */
  countRefusal(reason: string): void {
    this.#refusedRequests.add(1, { ...this.#labels, reason });
  }

  /** `ticket` (the body's admission) is released as the pipeline takes the batch: its holders count it from there. */
  async accept(signal: Signal, body: Uint8Array, encoding: Encoding, metadata: RequestMetadata, ticket?: { release(): void }): Promise<AcceptOutcome> {
    const consumer = this.#consumers[signal];
    const counters = this.#counters[signal];
    if (consumer === undefined || counters === undefined) return { ok: false, error: new PipelineError('invalid', `this receiver has no ${signal} pipeline`) };
    let batch: Batch;
    try {
      if (encoding === 'proto') {
        batch = Batch.fromBytes(signal, body, scanRequest(signal, body), metadata);
      } else {
        // toString would quietly turn bad bytes into U+FFFD; OTLP/JSON must be UTF-8, so refuse.
        if (!isUtf8(body)) throw new OtlpDecodeError('request body is not valid UTF-8');
        batch = Batch.fromRequest(signal, decodeJson(signal, Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')), metadata, body.byteLength);
      }
    } catch (error) {
      if (error instanceof OtlpDecodeError) {
        this.countRefusal('invalid');
        return { ok: false, error: new PipelineError('invalid', `cannot decode ${signal} request: ${error.message}`) };
      }
      throw error;
    }
    const items = batch.itemCount;
    if (items === 0) return { ok: true, rejected: 0, message: '' };
    ticket?.release();
    try {
      await consumer.consume(batch);
    } catch (error) {
      counters.refused.add(items);
      if (error instanceof PipelineError) {
        this.countRefusal(error.kind);
        return { ok: false, error };
      }
      this.countRefusal('internal');
      this.#logger.error({ signal, error: errorMessage(error) }, 'pipeline failed');
      return { ok: false, error: new PipelineError('internal', 'internal error') };
    }
    const rejected = Math.min(items, metadata.outcome.rejectedItems);
    counters.accepted.add(items - rejected);
    if (rejected > 0) counters.refused.add(rejected);
    return { ok: true, rejected, message: metadata.outcome.rejectionMessage };
  }
}
