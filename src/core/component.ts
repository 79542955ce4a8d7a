import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Signal } from '../otlp/types.ts';
import type { Batch } from './batch.ts';
import type { ConfigProblem, ExtensionCapability, GraphContext, ListenEndpoint } from './graph.ts';
import type { MemoryBudget } from './memory.ts';
import type { Telemetry } from './telemetry.ts';
import type { WorkerPeers } from './workers.ts';

// The component contract. A component is a factory: a type name, the signals it supports, a zod
// schema that both validates and fills defaults, and `create`. The service builds, starts and
// stops instances; components never read global state. `create` may return a promise, so a
// factory can import a heavy implementation only when it is configured (the gRPC pieces load
// @grpc/grpc-js this way): the registry and every schema stay loaded, the rest need not.
//
// A check that needs more than the component's own config (an extension it names, the pipeline
// around it, its position there) goes in the optional `validateInGraph`. The graph build calls it
// for `sluice validate` and before `run` starts anything, so `create` never meets a mistake that
// validation could have reported; src/service/graph.ts is the caller.

export type { ConfigProblem, GraphContext };

/**
 * What the contract test (test/contract/components.test.ts) offers a factory's `exampleConfig`: the
 * fields a component cannot default (where to send, what to read) are filled from these, giving a
 * config that passes the schema, starts, and takes a batch.
 */
export interface ExampleEnv {
  /** An empty directory; the example may write the files it names here. */
  scratchDir: string;
  /** host:port of a server that accepts OTLP/gRPC exports. */
  grpcEndpoint: string;
  /** http://host:port of a server that answers 200 to any POST (OTLP/HTTP, remote write). */
  httpUrl: string;
  /** The id of an exporter in the pipeline, for processors that name exporters (routing). */
  exporterId: string;
}

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';

/** Accepts a batch; resolves once the batch is safely handed on, rejects with a PipelineError. */
export interface Consumer {
  consume(batch: Batch): Promise<void>;
}

export interface Lifecycle {
  start?(): void | Promise<void>;
  /** Idempotent; flushes what the component holds. Safe to call without start(). */
  shutdown?(): void | Promise<void>;
}

export type HealthState = 'starting' | 'ok' | 'degraded' | 'failed' | 'stopped';

export interface HealthEvent {
  componentId: string;
  state: HealthState;
  message: string | undefined;
  /** Epoch ms. */
  at: number;
}

/** What the running service is made of, for pages that show it (zpages). */
export interface ServiceDescription {
  startedAt: number;
  version: string;
  pipelines: ReadonlyArray<{ id: string; receivers: readonly string[]; processors: readonly string[]; exporters: readonly string[] }>;
  extensions: readonly string[];
}

export interface Host {
  /** A started extension instance by id, for components that depend on one (auth, storage). */
  getExtension<T = unknown>(id: string): T | undefined;
  reportHealth(componentId: string, state: HealthState, message?: string): void;
  /** Every reportHealth call, for extensions that watch health (health_check). */
  onHealth(listener: (event: HealthEvent) => void): void;
  /** Called by the memory limiter; components that buffer (the sampler) may shed load. */
  onOverload(listener: (overloaded: boolean) => void): void;
  setOverload(overloaded: boolean): void;
  /** What Sluice holds, process-wide; components that hold data count it here. */
  readonly memory: MemoryBudget;
  /** The other worker processes, when Sluice runs several (service.workers > 1); undefined in a single process. */
  readonly workers?: WorkerPeers;
  /** The pipelines and components, once the service has planned them; undefined for hosts built by hand. */
  describeService?(): ServiceDescription | undefined;
}

export interface CreateContext<C> {
  /** `type` or `type/name`. */
  id: string;
  config: C;
  telemetry: Telemetry;
  logger: Logger;
  host: Host;
}

export interface ProcessorContext<C> extends CreateContext<C> {
  pipelineId: string;
  signal: Signal;
  /** Downstream consumer, for processors that emit on their own schedule (batch, sampling). Counts outgoing items. */
  next: Consumer;
  /** This pipeline's exporters by id, for processors that route (they then return null). */
  exporters: ReadonlyMap<string, Consumer>;
}

export interface Processor extends Lifecycle {
  /**
   * Returns the batch to pass on (the same one, edited, or a new one), or null when the processor
   * dropped it on purpose or keeps it to emit later through `next`. May return a promise.
   */
  process(batch: Batch): Batch | null | Promise<Batch | null>;
}

/**
 * What must meet in one worker: every span (or log record) of a trace, every series of a metric,
 * or everything of a service (`service.name`), for components whose state is per service.
 */
export type ColocationKey = 'trace_id' | 'metric_name' | 'service';

export interface ProcessorFactory<C = any> {
  readonly kind: 'processor';
  readonly type: string;
  readonly signals: readonly Signal[];
  /** Whether it edits batches in place; fan-out gives mutators their own copy. */
  readonly mutatesData: boolean;
  /**
   * What it must see all of, per signal, when Sluice runs several workers (`service.workers`):
   * every span of a trace (`trace_id`) or every series of a metric (`metric_name`). The service
   * then routes items to the worker that owns their key before this processor.
   */
  readonly colocate?: Partial<Record<Signal, ColocationKey>>;
  readonly configSchema: z.ZodType<C>;
  /** Keys (dotted, inside its config) it accepts and ignores, each with why that is harmless; logged once at start. */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  exampleConfig?(env: ExampleEnv): Record<string, unknown>;
  /** Called once per pipeline that lists it (ctx.pipelines then holds that one pipeline). */
  validateInGraph?(ctx: GraphContext<C>): ConfigProblem[];
  create(ctx: ProcessorContext<C>): Processor | Promise<Processor>;
}

export interface ExporterContext<C> extends CreateContext<C> {
  signal: Signal;
}

/** An exporter writes only `push`; queueing, retry, timeouts and metrics come from the helper. */
export interface Exporter extends Lifecycle {
  push(batch: Batch, abortSignal: AbortSignal): Promise<void>;
}

export interface ExporterFactory<C = any> {
  readonly kind: 'exporter';
  readonly type: string;
  readonly aliases?: readonly string[];
  /** Those of `aliases` that are old names: accepted with a warning naming `type`. */
  readonly deprecatedAliases?: readonly string[];
  readonly signals: readonly Signal[];
  /**
   * The exporter's own fields, as a z.object. The framework adds the helper's settings
   * (`sending_queue`, `retry_on_failure`, `timeout`: src/config/exporter-settings.ts) unless the
   * schema declares one of those keys itself, which it then reads too.
   */
  readonly configSchema: z.ZodType<C>;
  /** Keys (dotted, inside its config) it accepts and ignores, each with why that is harmless; logged once at start. */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  exampleConfig?(env: ExampleEnv): Record<string, unknown>;
  validateInGraph?(ctx: GraphContext<C>): ConfigProblem[];
  create(ctx: ExporterContext<C>): Exporter | Promise<Exporter>;
}

/** One pipeline that lists a receiver, for receivers that feed pipelines one by one (heartbeat). */
export interface ReceiverPipeline {
  id: string;
  signal: Signal;
  exporters: readonly string[];
  /** The pipeline's first processor (or its fan-out), fed only this pipeline. */
  consumer: Consumer;
}

export interface ReceiverContext<C> extends CreateContext<C> {
  /** One consumer per signal that some pipeline connects to this receiver. */
  consumers: Partial<Record<Signal, Consumer>>;
  /** Each pipeline that lists this receiver. */
  pipelines: readonly ReceiverPipeline[];
}

export interface Receiver extends Lifecycle {}

export interface ReceiverFactory<C = any> {
  readonly kind: 'receiver';
  readonly type: string;
  readonly signals: readonly Signal[];
  readonly configSchema: z.ZodType<C>;
  /** Keys (dotted, inside its config) it accepts and ignores, each with why that is harmless; logged once at start. */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  exampleConfig?(env: ExampleEnv): Record<string, unknown>;
  /** The request headers it copies into batch metadata, for processors that read them (tenant). */
  metadataHeaders?(config: C): readonly string[] | undefined;
  /** The addresses it listens on, so the graph build can refuse two components on one port. */
  listenEndpoints?(config: C): readonly ListenEndpoint[];
  validateInGraph?(ctx: GraphContext<C>): ConfigProblem[];
  create(ctx: ReceiverContext<C>): Receiver | Promise<Receiver>;
}

export interface Extension extends Lifecycle {}

export interface ExtensionFactory<C = any> {
  readonly kind: 'extension';
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  /** Keys (dotted, inside its config) it accepts and ignores, each with why that is harmless; logged once at start. */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  exampleConfig?(env: ExampleEnv): Record<string, unknown>;
  /** What it offers the components that name it (an authenticator, a storage for queues). */
  readonly provides?: readonly ExtensionCapability[];
  /** What it offers with this config, when that depends on the config (basicauth: client_auth or htpasswd); else `provides`. */
  capabilities?(config: C): readonly ExtensionCapability[];
  listenEndpoints?(config: C): readonly ListenEndpoint[];
  validateInGraph?(ctx: GraphContext<C>): ConfigProblem[];
  create(ctx: CreateContext<C>): Extension | Promise<Extension>;
}

/** A (from, to) signal pair a connector joins: exporter of a `from` pipeline, receiver of a `to` one. */
export type SignalPair = readonly [from: Signal, to: Signal];

export interface ConnectorContext<C> extends CreateContext<C> {
  from: Signal;
  to: Signal;
  /** Fan-out into every `to` pipeline that lists the connector as a receiver. */
  next: Consumer;
  /** Those pipelines' heads by pipeline id, for connectors that route (routing). */
  pipelines: ReadonlyMap<string, Consumer>;
}

/**
 * A connector is a consumer at the end of its upstream pipelines, emitting into `next`, now (forward)
 * or on its own schedule (spanmetrics). Like the Collector's, it has no queue: what it hands on
 * meets the downstream pipelines' exporters' queues.
 */
export interface Connector extends Consumer, Lifecycle {}

/** What every kind of factory has: its type, its schema, an example config, its graph checks. */
interface FactoryBase<C> {
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  /** Keys (dotted, inside its config) it accepts and ignores, each with why that is harmless; logged once at start. */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  exampleConfig?(env: ExampleEnv): Record<string, unknown>;
  validateInGraph?(ctx: GraphContext<C>): ConfigProblem[];
}

/** validateInGraph's ctx.pipelines holds every pipeline that lists it, on either side. */
export interface ConnectorFactory<C = any> extends FactoryBase<C> {
  readonly kind: 'connector';
  /** The (from, to) pairs it supports; one instance runs per pair a config uses. */
  readonly pairs: readonly SignalPair[];
  /** Whether it hands the batches it receives on as they are (forward): they then meet the downstream pipelines, which may mutate. */
  readonly passesBatchesOn: boolean;
  /** As a processor's, per signal it takes in: what it must see all of when Sluice runs several workers. */
  readonly colocate?: Partial<Record<Signal, ColocationKey>>;
  create(ctx: ConnectorContext<C>): Connector | Promise<Connector>;
}

export type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ConnectorFactory | ExtensionFactory;
