import { Batch } from './batch.ts';
import { LAG_BUCKETS } from './latency.ts';
import type { BoundCounter, BoundGauge, BoundHistogram, Telemetry } from './telemetry.ts';
import { ProtoReader } from '../otlp/proto/reader.ts';
import type { Signal } from '../otlp/types.ts';

// Where heartbeats meet exporters. The heartbeat receiver posts each beat here, one per pipeline
// and interval; every exporter of that pipeline holds a tap that looks for it in the batches it
// sends and reports when the batch carrying it is delivered. A beat is found by a marker: a
// random id in the item (a span or log attribute, a metric's description), so it survives
// batching, resource rewrites and re-encoding; the top-level entry around it is what is cut out.
// Exporters look only while a beat is due and unseen (a few milliseconds per interval when data
// flows), so with no heartbeat receiver configured the cost is one number compare per batch.

/** The span and log attribute whose value marks one beat (a metric's description carries it). */
export const HEARTBEAT_ID_ATTRIBUTE = 'sluice.heartbeat.id';
/** The resource attribute naming the beat's pipeline; how a backend recognises forwarded beats. */
export const HEARTBEAT_PIPELINE_ATTRIBUTE = 'sluice.heartbeat.pipeline';

export interface Beat {
  pipeline: string;
  signal: Signal;
  /** The marker's bytes (the UTF-8 id), searched for in encoded batches. */
  marker: Buffer;
  emittedAt: number;
  /** Items the beat adds to a batch, taken off again when it is stripped. */
  items: number;
  /** Whether backends get the synthetic items, or only the proof that the exporter delivers. */
  forward: boolean;
}

interface Due {
  beat: Beat;
  lane: Lane;
  /** Found in a batch this exporter is sending; it stays due until that batch is delivered. */
  seen: boolean;
}

/** One pipeline × exporter: what the heartbeat metrics and health are keyed by. */
export class Lane {
  readonly pipeline: string;
  readonly exporter: string;
  lastSuccessAt: number;
  readonly #lastSuccess: BoundGauge;
  readonly #latency: BoundHistogram;
  readonly #lost: BoundCounter;

  constructor(telemetry: Telemetry, pipeline: string, exporter: string, startedAt: number) {
    this.pipeline = pipeline;
    this.exporter = exporter;
    const labels = { pipeline, exporter };
    const names = ['pipeline', 'exporter'];
    this.#lastSuccess = telemetry.gauge('sluice_heartbeat_last_success_timestamp_seconds', 'When a heartbeat of this pipeline was last delivered by this exporter (the process start until the first one).', names).bind(labels);
    this.#latency = telemetry.histogram('sluice_heartbeat_latency_seconds', 'Heartbeat emission to delivery by the exporter, end to end.', names, LAG_BUCKETS).bind(labels);
    this.#lost = telemetry.counter('sluice_heartbeat_lost_total', 'Heartbeats not delivered by this exporter within the deadline.', names).bind(labels);
    this.lastSuccessAt = startedAt;
    this.#lastSuccess.set(startedAt / 1000);
  }

  delivered(beat: Beat, now: number): void {
    this.lastSuccessAt = Math.max(this.lastSuccessAt, now);
    this.#lastSuccess.set(this.lastSuccessAt / 1000);
    this.#latency.observe(Math.max(0, now - beat.emittedAt) / 1000);
  }

  lost(): void {
    this.#lost.add(1);
  }
}

/** An exporter's view: the beats due at it, and those riding in batches it has accepted. */
export class HeartbeatTap {
  /** Due beats not yet found in a batch; the exporter helper looks only while this is not 0. */
  pending = 0;
  /** Beats not yet delivered here, found in a batch or not: a batch that fails for good leaves its beat to expire. */
  #due: Due[] = [];
  /** Beats riding in accepted batches, until the batch is delivered. */
  readonly #carried = new WeakMap<Batch, Due[]>();
  #carrying = 0;

  expect(beat: Beat, lane: Lane): void {
    this.#due.push({ beat, lane, seen: false });
    this.pending++;
  }

  #remove(drop: (due: Due) => boolean): Due[] {
    const removed = this.#due.filter(drop);
    if (removed.length > 0) {
      this.#due = this.#due.filter((d) => !drop(d));
      this.pending = this.#due.reduce((n, d) => n + (d.seen ? 0 : 1), 0);
    }
    return removed;
  }

  /** Beats of `pipeline` emitted before `olderThan` and not delivered: lost (one delivered later still counts as delivered). */
  expire(pipeline: string, olderThan: number): Due[] {
    return this.#remove((d) => d.beat.pipeline === pipeline && d.beat.emittedAt < olderThan);
  }

  forget(pipeline: string): void {
    this.#remove((d) => d.beat.pipeline === pipeline);
  }

  /**
   * Called by the exporter as it starts sending a batch, while a beat is pending. Returns the batch to
   * export: the same one, or one without the synthetic items when the beat is not forwarded (an
   * empty request when nothing else is left, so the backend's acceptance still proves delivery).
   */
  arrive(batch: Batch): Batch {
    let found: Due[] | undefined;
    const original = batch.byteChunks();
    let chunks = original;
    for (let i = 0; i < this.#due.length; i++) {
      const due = this.#due[i];
      if (due.seen || due.beat.signal !== batch.signal) continue;
      const stripped = findAndStrip(chunks, due.beat.marker, !due.beat.forward);
      if (stripped === undefined) continue;
      chunks = stripped;
      due.seen = true;
      this.pending--;
      (found ??= []).push(due);
    }
    if (found === undefined) return batch;
    let out = batch;
    if (chunks !== original) {
      let removed = 0;
      for (const due of found) if (!due.beat.forward) removed += due.beat.items;
      out = Batch.fromChunks(batch.signal, chunks.length === 0 ? [new Uint8Array(0)] : chunks, Math.max(0, batch.itemCount - removed), batch.metadata);
    }
    this.#carried.set(out, found);
    this.#carrying++;
    return out;
  }

  /** Called by the exporter once a batch is delivered. */
  delivered(batch: Batch, now = Date.now()): void {
    if (this.#carrying === 0) return;
    const carried = this.#carried.get(batch);
    if (carried === undefined) return;
    this.#carried.delete(batch);
    this.#carrying--;
    for (const due of carried) due.lane.delivered(due.beat, now);
    this.#remove((d) => carried.includes(d));
  }
}

/**
 * Finds `marker` in the encoded request pieces. Returns undefined when absent; otherwise the
 * pieces, with the top-level entry (ResourceSpans/…Metrics/…Logs) holding the marker cut out when
 * `strip` is set, or the very same list when not.
 */
function findAndStrip(chunks: readonly Uint8Array[], marker: Buffer, strip: boolean): readonly Uint8Array[] | undefined {
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c];
    const at = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).indexOf(marker);
    if (at < 0) continue;
    if (!strip) return chunks;
    const r = new ProtoReader(chunk);
    while (r.pos < chunk.length) {
      const start = r.pos;
      const tag = r.tag(chunk.length);
      r.skip(tag, chunk.length);
      if (at >= start && at < r.pos) {
        const rest: Uint8Array[] = [];
        if (start > 0) rest.push(chunk.subarray(0, start));
        if (r.pos < chunk.length) rest.push(chunk.subarray(r.pos));
        const out = [...chunks.slice(0, c), ...(rest.length === 0 ? [] : [rest.length === 1 ? rest[0] : Buffer.concat(rest)]), ...chunks.slice(c + 1)];
        return out;
      }
    }
    return chunks;
  }
  return undefined;
}

/** The process's board: exporters' taps by (signal, exporter id). */
export class HeartbeatBoard {
  readonly #taps = new Map<string, HeartbeatTap>();

  tap(signal: Signal, exporter: string): HeartbeatTap {
    const key = `${signal}\u0000${exporter}`;
    let tap = this.#taps.get(key);
    if (tap === undefined) {
      tap = new HeartbeatTap();
      this.#taps.set(key, tap);
    }
    return tap;
  }
}

const boards = new WeakMap<Telemetry, HeartbeatBoard>();

/** One board per service, found through the telemetry every component is given. */
export function heartbeatBoard(telemetry: Telemetry): HeartbeatBoard {
  let board = boards.get(telemetry);
  if (board === undefined) {
    board = new HeartbeatBoard();
    boards.set(telemetry, board);
  }
  return board;
}
