import type { Logger } from 'pino';
import { Batch } from '../../core/batch.ts';
import type { Exporter, ExporterContext, HealthState, Host } from '../../core/component.ts';
import { errorMessage, PipelineError, retryableError } from '../../core/errors.ts';
import type { BoundCounter } from '../../core/telemetry.ts';
import { METRIC_NAME_RULE, partitionRequest, RouteBy, traceIdRule, type PartitionRule } from '../../otlp/proto/partition.ts';
import { scanRequest } from '../../otlp/proto/scan.ts';
import type { Signal } from '../../otlp/types.ts';
import type { ExporterHelperSettings } from '../helper/config.ts';
import { ExporterHelper } from '../helper/exporter-helper.ts';
import { memorySendingQueue, persistentSendingQueue } from '../helper/open-queue.ts';
import { sleep } from '../../core/clock.ts';
import type { ExportQueue, QueueEntry } from '../../core/storage.ts';
import { BackendQueue } from './backend-queue.ts';
import type { BackendSettings, LoadBalancingExporterConfig, RoutingKey } from './config.ts';
import { DnsResolver, StaticResolver, type BackendResolver } from './resolver.ts';
import { HashRing } from './ring.ts';

/** How long the final shutdown lets backends drain: the exporter helper does not pass its deadline on. */
const SHUTDOWN_DRAIN_MS = 20_000;
/**
 * Waiting parts for one backend are sent together up to this size: well under the 4 MiB a
 * receiver accepts by default (the Collector's and Sluice's max_recv_msg_size_mib), decompressed.
 */
const MAX_JOIN_BYTES = 1 << 20;
/** Back-off between attempts to place parts that a full backend queue refused. */
const REFUSED_BACKOFF_MS = 50;
const REFUSED_BACKOFF_MAX_MS = 1_000;

/** Creates the otlp exporter that sends to one backend (loaded with grpc-js only when configured). */
export type BackendExporterFactory = (ctx: ExporterContext<BackendSettings & { endpoint: string }>) => Exporter;

interface Backend {
  endpoint: string;
  id: string;
  helper: ExporterHelper;
  /** Undefined when protocol.otlp.sending_queue is off: nothing is queued, so nothing re-routes. */
  queue: BackendQueue | undefined;
  failing: boolean;
}

/** One piece of a batch and the backend that owns all of its keys. */
interface Delivery {
  backend: Backend;
  part: Batch;
}

export function routingRule(signal: Signal, key: RoutingKey | undefined): PartitionRule {
  const chosen = key ?? (signal === 'traces' ? 'traceID' : 'service');
  switch (chosen) {
    case 'traceID':
      if (signal === 'metrics') throw new Error('routing_key traceID is for traces and logs; use service, resource or metric for metrics');
      return traceIdRule(signal);
    case 'metric':
      if (signal !== 'metrics') throw new Error('routing_key metric is for metrics only');
      return METRIC_NAME_RULE;
    case 'service':
      return { by: RouteBy.Service, itemField: 0 };
    case 'resource':
      return { by: RouteBy.Resource, itemField: 0 };
    default:
      throw new Error(`routing_key ${chosen} is not implemented`);
  }
}

/**
 * Sends each key (trace id, service, resource, metric name) to one backend by consistent hashing.
 * push() only routes: it splits the batch on the bytes and puts each part in its backend's own
 * queue, behind that backend's own exporter helper (queue → retry → timeout → otlp). So a slow or
 * dead backend fills only its own queue, and a failed send is retried to that backend alone.
 * When the resolver drops a backend, its keys move on the ring and what its queue still holds
 * (including an interrupted send) is routed again to the keys' new owners before being removed
 * from the old queue: nothing queued is lost, and nothing already delivered is sent twice except
 * a send interrupted before its answer came back.
 */
export class LoadBalancingExporter implements Exporter {
  readonly #ctx: ExporterContext<LoadBalancingExporterConfig>;
  readonly #signal: Signal;
  readonly #rule: PartitionRule;
  readonly #logger: Logger;
  readonly #createBackendExporter: BackendExporterFactory;
  readonly #resolver: BackendResolver;
  readonly #backends = new Map<string, Backend>();
  /** Removed backends still handing their queues over, by endpoint. */
  readonly #retiring = new Map<string, Promise<void>>();
  /** Parts of a batch that push() could not place before its timeout: a retry routes only these. */
  readonly #unplaced = new WeakMap<Batch, Batch[]>();
  readonly #backendHost: Host;
  readonly #updates: BoundCounter;
  readonly #rerouted: BoundCounter;
  readonly #unregister: Array<() => void> = [];
  #ring = new HashRing([]);
  #ownerOf: (hash: number) => number = () => 0;
  /** Backend-set changes apply one at a time, in order. */
  #changes: Promise<void> = Promise.resolve();
  readonly #stop = new AbortController();

  constructor(ctx: ExporterContext<LoadBalancingExporterConfig>, createBackendExporter: BackendExporterFactory) {
    this.#ctx = ctx;
    this.#signal = ctx.signal;
    this.#logger = ctx.logger;
    this.#rule = routingRule(ctx.signal, ctx.config.routing_key);
    this.#createBackendExporter = createBackendExporter;
    const t = ctx.telemetry;
    const resolverKind = ctx.config.resolver.dns !== undefined ? 'dns' : 'static';
    const labels = { exporter: ctx.id, resolver: resolverKind };
    this.#updates = t.counter('otelcol_loadbalancer_num_backend_updates_total', 'Times the set of backends changed.', ['exporter', 'resolver']).bind(labels);
    this.#rerouted = t.counter('sluice_loadbalancer_rerouted_items_total', 'Items taken from a removed backend\'s queue and routed to the keys\' new owners.', ['exporter']).bind({ exporter: ctx.id });
    const resolutions = t.counter('otelcol_loadbalancer_num_resolutions_total', 'Resolutions of the backend set, by outcome.', ['exporter', 'resolver', 'success']);
    this.#unregister.push(
      t.observe('otelcol_loadbalancer_num_backends', 'Backends in the current set.', ['exporter', 'resolver'], () => [{ labels, value: this.#ring.size }]),
      t.observe('sluice_loadbalancer_backend', 'One series per backend in the current set (value 1).', ['exporter', 'endpoint'], () =>
        this.#ring.endpoints.map((endpoint) => ({ labels: { exporter: ctx.id, endpoint }, value: 1 }))),
    );
    const onResolution = (success: boolean) => resolutions.add(1, { ...labels, success: String(success) });
    this.#resolver = ctx.config.resolver.dns !== undefined
      ? new DnsResolver(ctx.config.resolver.dns, ctx.logger, onResolution)
      : new StaticResolver(ctx.config.resolver.static!.hostnames);
    // A backend's failures are that backend's: one dead gateway of N must not mark this whole
    // process unhealthy (Kubernetes would restart the load balancer). Only all of them failing is.
    const host = ctx.host;
    this.#backendHost = {
      getExtension: (id) => host.getExtension(id),
      onOverload: (listener) => host.onOverload(listener),
      setOverload: (overloaded) => host.setOverload(overloaded),
      onHealth: (listener) => host.onHealth(listener),
      memory: host.memory,
      reportHealth: (id, state, message) => this.#backendHealth(id, state, message),
    };
  }

  /** The current backend endpoints, sorted. */
  get endpoints(): readonly string[] {
    return this.#ring.endpoints;
  }

  async start(): Promise<void> {
    await this.#resolver.start((endpoints) => {
      this.#changes = this.#changes.then(() => this.#apply(endpoints)).catch((error) => {
        this.#logger.error({ exporter: this.#ctx.id, error: errorMessage(error) }, 'loadbalancing: backend set change failed');
      });
    });
    await this.#changes;
  }

  async push(batch: Batch, abortSignal: AbortSignal): Promise<void> {
    let parts = this.#unplaced.get(batch) ?? [batch];
    this.#unplaced.delete(batch);
    let backoff = REFUSED_BACKOFF_MS;
    for (;;) {
      const refused = await this.#place(parts);
      if (refused.length === 0) return;
      parts = refused;
      if (abortSignal.aborted || !(await sleep(backoff, abortSignal))) {
        this.#unplaced.set(batch, parts);
        throw retryableError(`loadbalancing: ${countItems(parts)} items not yet routed: backend queues are full`);
      }
      backoff = Math.min(backoff * 2, REFUSED_BACKOFF_MAX_MS);
    }
  }

  /** Routes parts to their backends' queues; returns the pieces a queue refused (to route again). */
  async #place(parts: readonly Batch[]): Promise<Batch[]> {
    const deliveries: Delivery[] = [];
    for (let i = 0; i < parts.length; i++) this.#route(parts[i], deliveries);
    const refused: Batch[] = [];
    await Promise.all(deliveries.map(async ({ backend, part }) => {
      try {
        await backend.helper.consume(part);
      } catch (error) {
        if (error instanceof PipelineError && !error.retryable) {
          // A backend without a queue failed for good: the helper counted it; nothing can help.
          this.#logger.warn({ exporter: this.#ctx.id, backend: backend.endpoint, error: error.message }, 'loadbalancing: part dropped');
          return;
        }
        refused.push(part);
      }
    }));
    return refused;
  }

  /** Splits a batch among the current backends on its bytes. */
  #route(batch: Batch, out: Delivery[]): void {
    const ring = this.#ring;
    const n = ring.size;
    if (n === 0) throw retryableError('loadbalancing: no backends resolved yet');
    if (n === 1) {
      out.push({ backend: this.#backends.get(ring.endpoints[0])!, part: batch });
      return;
    }
    const chunks = batch.byteChunks();
    let perOwner: Uint8Array[][] | undefined;
    let itemsPerOwner: number[] | undefined;
    for (let c = 0; c < chunks.length; c++) {
      const { parts, items } = partitionRequest(chunks[c], this.#rule, n, this.#ownerOf);
      if (chunks.length === 1) {
        for (let o = 0; o < n; o++) {
          const part = parts[o];
          if (part === undefined) continue;
          const count = part === chunks[0] ? batch.itemCount : this.#itemCount(part, items[o]);
          out.push({ backend: this.#backends.get(ring.endpoints[o])!, part: part === chunks[0] ? batch : Batch.fromBytes(this.#signal, part, count, batch.metadata) });
        }
        return;
      }
      perOwner ??= Array.from({ length: n }, () => []);
      itemsPerOwner ??= new Array<number>(n).fill(0);
      for (let o = 0; o < n; o++) {
        const part = parts[o];
        if (part === undefined) continue;
        perOwner[o].push(part);
        itemsPerOwner[o] += this.#itemCount(part, items[o]);
      }
    }
    for (let o = 0; o < n; o++) {
      if (perOwner![o].length === 0) continue;
      out.push({ backend: this.#backends.get(ring.endpoints[o])!, part: Batch.fromChunks(this.#signal, perOwner![o], itemsPerOwner![o], batch.metadata) });
    }
  }

  /** Spans and log records are the third level the partition counts; metrics count data points. */
  #itemCount(part: Uint8Array, thirdLevel: number): number {
    return this.#signal === 'metrics' ? scanRequest('metrics', part) : thirdLevel;
  }

  async #apply(endpoints: readonly string[]): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const wanted = new Set(endpoints);
    const added: Backend[] = [];
    for (const endpoint of wanted) {
      if (this.#backends.has(endpoint)) continue;
      try {
        // A backend that left and came back (a flapping readiness probe) reuses its queue's
        // directory: its hand-over finishes first.
        await this.#retiring.get(endpoint);
        const backend = await this.#createBackend(endpoint);
        await backend.helper.start();
        this.#backends.set(endpoint, backend);
        added.push(backend);
      } catch (error) {
        // One backend that cannot start (its queue cannot open) stays out of the ring; the others go in.
        wanted.delete(endpoint);
        this.#logger.error({ exporter: this.#ctx.id, backend: endpoint, error: errorMessage(error) }, 'loadbalancing: backend not added');
      }
    }
    // New pushes route on the new ring from here on; then the removed backends hand over.
    const next = new HashRing(wanted);
    const previous = this.#ring;
    this.#ring = next;
    this.#ownerOf = (hash) => next.ownerOf(hash);
    const removed = [...this.#backends.values()].filter((b) => !wanted.has(b.endpoint));
    for (const backend of removed) this.#backends.delete(backend.endpoint);
    if (previous.endpoints.join() !== next.endpoints.join()) this.#updates.add(1);
    this.#logger.info({ exporter: this.#ctx.id, backends: next.endpoints, added: added.map((b) => b.endpoint), removed: removed.map((b) => b.endpoint) }, 'loadbalancing: backend set changed');
    for (const backend of removed) {
      const retiring = this.#retire(backend)
        .catch((error) => this.#logger.error({ exporter: this.#ctx.id, backend: backend.endpoint, error: errorMessage(error) }, 'loadbalancing: re-routing a removed backend\'s queue failed'))
        .finally(() => this.#retiring.delete(backend.endpoint));
      this.#retiring.set(backend.endpoint, retiring);
    }
  }

  async #createBackend(endpoint: string): Promise<Backend> {
    const ctx = this.#ctx;
    const settings = ctx.config.protocol.otlp;
    const id = `${ctx.id}/${endpoint}`;
    const exporter = this.#createBackendExporter({ ...ctx, id, config: { ...settings, endpoint } });
    let queue: BackendQueue | undefined;
    if (settings.sending_queue.enabled) queue = new BackendQueue(await this.#openQueue(id, settings), MAX_JOIN_BYTES);
    const helper = new ExporterHelper({ id, signal: this.#signal, exporter, settings, telemetry: ctx.telemetry, logger: ctx.logger, host: this.#backendHost, queue });
    return { endpoint, id, helper, queue, failing: false };
  }

  /** The queue the service would open for these settings: on disk with `storage`, else in memory. */
  async #openQueue(id: string, settings: ExporterHelperSettings): Promise<ExportQueue> {
    return (await persistentSendingQueue(this.#ctx.host, id, this.#signal, settings, 'protocol.otlp.sending_queue.storage')) ?? memorySendingQueue(settings, this.#ctx.host);
  }


  /**
   * Stops a removed backend's helper at once (an interrupted send comes back to its queue), then
   * routes every entry its queue holds on the current ring, acknowledging each in the old queue
   * only once it is in its new owners' queues.
   */
  async #retire(backend: Backend): Promise<void> {
    const queue = backend.queue;
    if (queue === undefined) {
      await backend.helper.shutdown(Date.now());
      return;
    }
    await queue.retire();
    await backend.helper.shutdown(Date.now());
    let moved = 0;
    await queue.drain(async (entry: QueueEntry) => {
      let backoff = REFUSED_BACKOFF_MS;
      let parts = [entry.batch];
      while (parts.length > 0) {
        if (this.#ring.size === 0) return false;
        parts = await this.#place(parts);
        if (parts.length === 0) break;
        // Other queues are full: wait for room rather than drop; give up only at shutdown.
        if (!(await sleep(backoff, this.#stop.signal))) return false;
        backoff = Math.min(backoff * 2, REFUSED_BACKOFF_MAX_MS);
      }
      moved += entry.batch.itemCount;
      this.#rerouted.add(entry.batch.itemCount);
      return true;
    });
    await queue.disposeInner();
    if (moved > 0) this.#logger.info({ exporter: this.#ctx.id, backend: backend.endpoint, items: moved }, 'loadbalancing: removed backend\'s queue routed to the new owners');
  }

  #backendHealth(id: string, state: HealthState, message: string | undefined): void {
    for (const backend of this.#backends.values()) {
      if (backend.id === id) backend.failing = state === 'failed';
    }
    const all = [...this.#backends.values()];
    const failing = all.length > 0 && all.every((b) => b.failing);
    this.#ctx.host.reportHealth(`${this.#ctx.id}/backends`, failing ? 'failed' : 'ok', failing ? `every backend is failing (last: ${message ?? state})` : undefined);
  }

  async shutdown(): Promise<void> {
    this.#resolver.shutdown();
    await this.#changes;
    this.#stop.abort();
    // Re-routing of removed backends finishes first, so their entries are in live queues.
    while (this.#retiring.size > 0) await Promise.allSettled([...this.#retiring.values()]);
    const deadline = Date.now() + SHUTDOWN_DRAIN_MS;
    await Promise.all([...this.#backends.values()].map((b) => b.helper.shutdown(deadline)));
    this.#backends.clear();
    for (const unregister of this.#unregister) unregister();
  }
}

function countItems(parts: readonly Batch[]): number {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].itemCount;
  return n;
}
