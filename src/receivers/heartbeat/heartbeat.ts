import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Batch } from '../../core/batch.ts';
import type { Host, Receiver, ReceiverPipeline } from '../../core/component.ts';
import { errorMessage } from '../../core/errors.ts';
import { HEARTBEAT_ID_ATTRIBUTE, HEARTBEAT_PIPELINE_ATTRIBUTE, heartbeatBoard, Lane, type Beat, type HeartbeatTap } from '../../core/heartbeat.ts';
import { internalMetadata } from '../../core/metadata.ts';
import type { BoundCounter, Telemetry } from '../../core/telemetry.ts';
import { encodeRequest } from '../../otlp/protobuf.ts';
import type { KeyValue, RequestBySignal, Signal } from '../../otlp/types.ts';
import type { HeartbeatConfig } from './config.ts';

/** The health-check id under which an overdue pipeline is reported. */
export function pipelineHealthId(pipeline: string): string {
  return `pipeline:${pipeline}`;
}

/** One synthetic item of `signal`, timed `at`, carrying the beat's marker `id`. */
export function heartbeatRequest(signal: Signal, pipeline: string, id: string, at: number, extra: Readonly<Record<string, string>>): RequestBySignal[Signal] {
  // The id is on the item, not the resource: a metric's resource is part of its series identity,
  // and a new id per beat would make a new series per beat (in cardinality_limit, in a backend).
  const attributes: KeyValue[] = [
    { key: 'service.name', value: { stringValue: 'sluice-heartbeat' } },
    { key: HEARTBEAT_PIPELINE_ATTRIBUTE, value: { stringValue: pipeline } },
  ];
  const marker: KeyValue[] = [{ key: HEARTBEAT_ID_ATTRIBUTE, value: { stringValue: id } }];
  for (const [key, value] of Object.entries(extra)) attributes.push({ key, value: { stringValue: value } });
  const resource = { attributes, droppedAttributesCount: 0, entityRefs: [] };
  const scope = { name: 'sluice.heartbeat', version: '', attributes: [], droppedAttributesCount: 0 };
  const nanos = BigInt(at) * 1_000_000n;
  if (signal === 'traces') {
    const span = {
      traceId: randomBytes(16), spanId: randomBytes(8), traceState: '', parentSpanId: new Uint8Array(0), flags: 0,
      name: 'sluice.heartbeat', kind: 1, startTimeUnixNano: nanos, endTimeUnixNano: nanos, attributes: marker, droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: undefined,
    };
    return { resourceSpans: [{ resource, scopeSpans: [{ scope, spans: [span], schemaUrl: '' }], schemaUrl: '' }] };
  }
  if (signal === 'metrics') {
    // The value is the emission time, so a backend that gets forwarded beats can chart its own lag.
    const point = { attributes: [], startTimeUnixNano: 0n, timeUnixNano: nanos, asDouble: at / 1000, exemplars: [], flags: 0 };
    // The id goes in the description, which is no part of a series' identity (a point attribute would be).
    const metric = { name: 'sluice.heartbeat', description: `Emission time of a Sluice heartbeat (beat ${id})`, unit: 's', gauge: { dataPoints: [point] }, metadata: [] };
    return { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics: [metric], schemaUrl: '' }], schemaUrl: '' }] };
  }
  const record = {
    timeUnixNano: nanos, observedTimeUnixNano: nanos, severityNumber: 9, severityText: 'INFO', body: { stringValue: 'sluice heartbeat' },
    attributes: marker, droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: 'sluice.heartbeat',
  };
  return { resourceLogs: [{ resource, scopeLogs: [{ scope, logRecords: [record], schemaUrl: '' }], schemaUrl: '' }] };
}

interface PipelineBeats {
  pipeline: ReceiverPipeline;
  lanes: Lane[];
  taps: HeartbeatTap[];
  sent: BoundCounter;
  /** Whether health was last reported degraded, so only changes are reported. */
  overdue: boolean;
}

/**
 * Emits one small synthetic item per interval into each pipeline that lists it and expects it at
 * each of the pipeline's exporters (see core/heartbeat.ts). On every tick, beats past the
 * deadline count as lost, and a pipeline with an exporter that has delivered none within the
 * deadline is reported to health_check by name.
 */
export class HeartbeatReceiver implements Receiver {
  readonly #config: HeartbeatConfig;
  readonly #states: PipelineBeats[] = [];
  readonly #host: Host;
  readonly #logger: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(id: string, config: HeartbeatConfig, pipelines: readonly ReceiverPipeline[], telemetry: Telemetry, host: Host, logger: Logger, now: () => number = Date.now) {
    this.#config = config;
    this.#host = host;
    this.#logger = logger;
    this.#now = now;
    const board = heartbeatBoard(telemetry);
    const startedAt = now();
    const sent = telemetry.counter('sluice_heartbeat_sent_total', 'Heartbeats emitted into a pipeline.', ['receiver', 'pipeline']);
    const deadline = telemetry.gauge('sluice_heartbeat_deadline_seconds', 'How long a heartbeat may take before it counts as lost and the pipeline as unhealthy.', ['pipeline']);
    for (const pipeline of pipelines) {
      deadline.set(config.deadline / 1000, { pipeline: pipeline.id });
      this.#states.push({
        pipeline,
        lanes: pipeline.exporters.map((exporter) => new Lane(telemetry, pipeline.id, exporter, startedAt)),
        taps: pipeline.exporters.map((exporter) => board.tap(pipeline.signal, exporter)),
        sent: sent.bind({ receiver: id, pipeline: pipeline.id }),
        overdue: false,
      });
    }
  }

  start(): void {
    this.tick();
    this.#timer = setInterval(() => this.tick(), this.#config.interval);
  }

  /** Settles what is overdue, reports health, and emits the next beat into every pipeline. */
  tick(): void {
    const now = this.#now();
    for (const state of this.#states) {
      this.#settle(state, now);
      this.#emit(state, now);
    }
  }

  #settle(state: PipelineBeats, now: number): void {
    const cutoff = now - this.#config.deadline;
    const late: string[] = [];
    for (let i = 0; i < state.lanes.length; i++) {
      const lane = state.lanes[i];
      for (let n = state.taps[i].expire(state.pipeline.id, cutoff).length; n > 0; n--) lane.lost();
      if (lane.lastSuccessAt < cutoff) late.push(`${lane.exporter} for ${((now - lane.lastSuccessAt) / 1000).toFixed(1)}s`);
    }
    if (late.length > 0) {
      const message = `heartbeat not delivered by ${late.join(', ')} (deadline ${this.#config.deadline / 1000}s)`;
      this.#host.reportHealth(pipelineHealthId(state.pipeline.id), 'degraded', message);
      state.overdue = true;
    } else if (state.overdue) {
      this.#host.reportHealth(pipelineHealthId(state.pipeline.id), 'ok');
      state.overdue = false;
    }
  }

  #emit(state: PipelineBeats, now: number): void {
    const { id, signal, consumer } = state.pipeline;
    const marker = randomBytes(16).toString('hex');
    const beat: Beat = { pipeline: id, signal, marker: Buffer.from(marker), emittedAt: now, items: 1, forward: this.#config.forward };
    for (let i = 0; i < state.taps.length; i++) state.taps[i].expect(beat, state.lanes[i]);
    const bytes = encodeRequest(signal, heartbeatRequest(signal, id, marker, now, this.#config.resource_attributes));
    state.sent.add(1);
    // A refusal (full queue, memory limit) is what the heartbeat is there to notice: it shows as a lost beat.
    consumer.consume(Batch.fromBytes(signal, bytes, 1, internalMetadata())).catch((error) => {
      this.#logger.debug({ pipeline: id, error: errorMessage(error) }, 'heartbeat refused');
    });
  }

  shutdown(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const state of this.#states) for (const tap of state.taps) tap.forget(state.pipeline.id);
  }
}
