import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Signal } from '../otlp/types.ts';
import type { Batch } from './batch.ts';
import type { MemoryBudget } from './memory.ts';
import type { Telemetry } from './telemetry.ts';

// The component contract. A component is a factory: a type name, the signals it supports, a zod
// schema that both validates and fills defaults, and `create`. The service builds, starts and
// stops instances; components never read global state. `create` may return a promise, so a
// factory can import a heavy implementation only when it is configured (the gRPC pieces load
// @grpc/grpc-js this way): the registry and every schema stay loaded, the rest need not.

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'extension';

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

export interface Host {
  /** A started extension instance by id, for components that depend on one (auth, storage). */
  getExtension<T = unknown>(id: string): T | undefined;
  reportHealth(componentId: string, state: HealthState, message?: string): void;
  /** Called by the memory limiter; components that buffer (the sampler) may shed load. */
  onOverload(listener: (overloaded: boolean) => void): void;
  setOverload(overloaded: boolean): void;
  /** What Sluice holds, process-wide; components that hold data count it here. */
  readonly memory: MemoryBudget;
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

export interface ProcessorFactory<C = any> {
  readonly kind: 'processor';
  readonly type: string;
  readonly signals: readonly Signal[];
  /** Whether it edits batches in place; fan-out gives mutators their own copy. */
  readonly mutatesData: boolean;
  readonly configSchema: z.ZodType<C>;
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
  readonly signals: readonly Signal[];
  readonly configSchema: z.ZodType<C>;
  create(ctx: ExporterContext<C>): Exporter | Promise<Exporter>;
}

export interface ReceiverContext<C> extends CreateContext<C> {
  /** One consumer per signal that some pipeline connects to this receiver. */
  consumers: Partial<Record<Signal, Consumer>>;
}

export interface Receiver extends Lifecycle {}

export interface ReceiverFactory<C = any> {
  readonly kind: 'receiver';
  readonly type: string;
  readonly signals: readonly Signal[];
  readonly configSchema: z.ZodType<C>;
  create(ctx: ReceiverContext<C>): Receiver | Promise<Receiver>;
}

export interface Extension extends Lifecycle {}

export interface ExtensionFactory<C = any> {
  readonly kind: 'extension';
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  create(ctx: CreateContext<C>): Extension | Promise<Extension>;
}

export type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ExtensionFactory;
