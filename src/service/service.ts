import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type {
  ConnectorFactory,
  Consumer,
  Exporter,
  ExporterFactory,
  Extension,
  ExtensionFactory,
  Lifecycle,
  Processor,
  ProcessorFactory,
  Receiver,
  ReceiverFactory,
} from '../core/component.ts';
import { Telemetry } from '../core/telemetry.ts';
import { helperSettings } from '../config/exporter-settings.ts';
import type { ExporterHelperSettings } from '../exporters/helper/config.ts';
import { ExporterHelper } from '../exporters/helper/exporter-helper.ts';
import { persistentSendingQueue } from '../exporters/helper/open-queue.ts';
import type { Signal } from '../otlp/types.ts';
import { closeServer } from '../net.ts';
import { fanout, type FanoutTarget } from './fanout.ts';
import type { Graph } from './graph.ts';
import { IngestLagRecorder, tenantLabeller } from '../core/latency.ts';
import { ServiceHost } from './host.ts';
import { CountingConsumer, ProcessorNode, processorCounters } from './processor-node.ts';
import { registerProcessMetrics, startMetricsServer } from './self-metrics.ts';
import { PeriodicMetricsReader } from './self-metrics-push.ts';
import { resourceLabels, telemetryResource } from '../config/telemetry.ts';
import type { Worker } from '../workers/worker.ts';
import { WorkerRouter } from '../workers/router.ts';
import { colocationRule } from '../workers/colocate.ts';
import { mergedMetricsPage, registerPoolMetrics } from '../workers/merge-metrics.ts';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '';
  }
}

interface Named<T> {
  id: string;
  instance: T;
}

export interface ServiceOptions {
  logger: Logger;
  telemetry?: Telemetry;
  /** This process's place in a pool of workers (service.workers > 1); undefined for a single process. */
  workers?: Worker;
  /** service.instance.id of Sluice's own telemetry; one for every worker of a pool. */
  instanceId?: string;
}

/**
 * The running pipelines. Start order is extensions, exporters, processors, receivers; shutdown is
 * the reverse, so every stage can drain into one that is still running.
 */
export class Service {
  readonly telemetry: Telemetry;
  readonly host: ServiceHost;
  readonly #graph: Graph;
  readonly #workers: Worker | undefined;
  readonly #instanceId: string;
  readonly #logger: Logger;
  readonly #extensions: Named<Extension>[] = [];
  readonly #exporters: Named<ExporterHelper>[] = [];
  /** Each pipeline's processors, in pipeline order, by pipeline id. */
  readonly #processors = new Map<string, Named<Processor>[]>();
  readonly #connectors: Array<Named<Lifecycle> & { upstream: readonly string[] }> = [];
  readonly #receivers: Named<Receiver>[] = [];
  readonly #metricsServers: Server[] = [];
  readonly #metricsReaders: PeriodicMetricsReader[] = [];
  #shutdown: Promise<void> | undefined;
  #started = false;

  constructor(graph: Graph, options: ServiceOptions) {
    this.#graph = graph;
    this.#logger = options.logger;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.#workers = options.workers;
    this.#instanceId = options.instanceId ?? randomUUID();
    this.host = new ServiceHost(options.workers);
  }

  async start(): Promise<void> {
    const graph = this.#graph;
    const config = graph.config;
    const startedAt = Date.now();
    registerProcessMetrics(this.telemetry, startedAt);
    // The graph, for the status page and /status: which components each pipeline runs, in order.
    this.telemetry.status('pipelines', () => config.pipelines.map((p) => ({ id: p.id, signal: p.signal, receivers: p.receivers, processors: p.processors, exporters: p.exporters })));
    this.host.memory.register(this.telemetry);
    const version = packageVersion();
    this.host.setDescription({
      startedAt,
      version,
      pipelines: graph.pipelines.map((p) => ({ id: p.id, receivers: p.receivers, processors: p.processors, exporters: p.exporters })),
      extensions: graph.extensions,
    });
    const resource = telemetryResource(config.telemetry.resource, version, this.#instanceId);
    this.telemetry.setConstantLabels(resourceLabels(resource));
    const workers = this.#workers;
    if (workers !== undefined) {
      // Every worker answers a scrape with the sums over all of them.
      workers.serve('metrics', () => this.telemetry.render());
      registerPoolMetrics(this.telemetry, workers);
    }
    const renderMetrics = workers === undefined ? undefined : () => mergedMetricsPage(this.telemetry, workers);
    for (const { endpoint } of config.telemetry.metrics.listeners) this.#metricsServers.push(await startMetricsServer(this.telemetry, endpoint, renderMetrics));
    for (const reader of config.telemetry.metrics.periodic) {
      const periodic = new PeriodicMetricsReader(reader, this.telemetry, resource, this.#logger);
      periodic.start();
      this.#metricsReaders.push(periodic);
    }

    for (const id of graph.extensions) {
      const component = config.extensions.get(id)!;
      const factory = component.factory as ExtensionFactory;
      const instance = await factory.create(this.#context(id, component.config));
      await instance.start?.();
      this.host.addExtension(id, instance);
      this.#extensions.push({ id, instance });
    }

    // Exporters: one per (signal, id), wrapped in the helper.
    const exporterConsumers = new Map<string, ExporterHelper>();
    for (const { id, signal } of graph.exporters) {
      const component = config.exporters.get(id)!;
      const factory = component.factory as ExporterFactory;
      const settings = helperSettings(component.config);
      const exporter: Exporter = await factory.create({ ...this.#context(id, component.config), signal });
      const queue = await persistentSendingQueue(this.host, id, signal, settings);
      const helper = new ExporterHelper({
        id,
        signal,
        exporter,
        settings,
        telemetry: this.telemetry,
        logger: this.#logger,
        host: this.host,
        queue,
      });
      exporterConsumers.set(`${signal}\u0000${id}`, helper);
      this.#exporters.push({ id, instance: helper });
    }
    for (const { instance } of this.#exporters) await instance.start();

    // Processor chains, built back to front so each node knows its successor, and pipelines
    // downstream first (graph.pipelines' order), so a connector is made once the pipelines it
    // feeds run, and starts before the pipelines that feed it.
    const tenantLabel = tenantLabeller();
    const pipelineHeads = new Map<string, FanoutTarget>();
    const connectors = new Map<string, FanoutTarget>();
    const connectorTarget = async (id: string, from: Signal): Promise<FanoutTarget> => {
      const key = `${from}\u0000${id}`;
      let target = connectors.get(key);
      if (target !== undefined) return target;
      const component = config.connectors.get(id)!;
      const factory = component.factory as ConnectorFactory;
      const instances: FanoutTarget[] = [];
      for (const node of graph.connectors) {
        if (node.id !== id || node.from !== from) continue;
        const heads = node.downstream.map((p) => pipelineHeads.get(p)!);
        const connector = await factory.create({
          ...this.#context(id, component.config),
          from,
          to: node.to,
          next: fanout(heads),
          pipelines: new Map(node.downstream.map((p) => [p, pipelineHeads.get(p)!.consumer])),
        });
        await connector.start?.();
        this.#connectors.push({ id: `${id}[${from}->${node.to}]`, instance: connector, upstream: node.upstream });
        // As before a processor: a connector whose state is per key sees every item of its keys.
        const workers = this.#workers;
        const rule = workers !== undefined && workers.count > 1 ? colocationRule(from, factory.colocate) : undefined;
        const consumer: Consumer = rule === undefined ? connector : new WorkerRouter(workers!.mesh, `connector ${id} ${from}->${node.to}`, from, rule, connector);
        // What it passes on as it came meets the downstream chains, which may edit it.
        instances.push({ consumer, mutates: factory.passesBatchesOn && heads.some((h) => h.mutates) });
      }
      target = instances.length === 1 ? instances[0] : { consumer: fanout(instances), mutates: instances.some((i) => i.mutates) };
      connectors.set(key, target);
      return target;
    };
    for (const pipeline of graph.pipelines) {
      const lag = new IngestLagRecorder(this.telemetry, pipeline.id, tenantLabel);
      const targets: FanoutTarget[] = [];
      const pipelineExporters = new Map<string, Consumer>();
      for (const id of pipeline.exporters) {
        const target = config.connectors.has(id) ? await connectorTarget(id, pipeline.signal) : { consumer: lag.wrap(exporterConsumers.get(`${pipeline.signal}\u0000${id}`)!), mutates: false };
        targets.push(target);
        pipelineExporters.set(id, target.consumer);
      }
      let next: Consumer = fanout(targets);
      let mutates = targets.some((t) => t.mutates);
      const created: Named<Processor>[] = [];
      for (let i = pipeline.processors.length - 1; i >= 0; i--) {
        const id = pipeline.processors[i];
        const component = config.processors.get(id)!;
        const factory = component.factory as ProcessorFactory;
        const counters = processorCounters(this.telemetry, id, pipeline.id, pipeline.signal);
        const counting = new CountingConsumer(next, counters.outgoing);
        const processor = await factory.create({
          ...this.#context(id, component.config),
          pipelineId: pipeline.id,
          signal: pipeline.signal,
          next: counting,
          exporters: pipelineExporters,
        });
        created.unshift({ id: `${pipeline.id}/${id}`, instance: processor });
        next = new ProcessorNode(id, processor, counting, counters.incoming, this.#logger);
        mutates ||= factory.mutatesData;
        // With several workers, a processor that must see every item of a key (every span of a
        // trace, for the sampler) gets them all: a router before it hands each part of a batch to
        // the worker that owns that part's keys.
        const rule = workers !== undefined && workers.count > 1 ? colocationRule(pipeline.signal, factory.colocate) : undefined;
        if (rule !== undefined) next = new WorkerRouter(workers!.mesh, `${pipeline.id}/${i}`, pipeline.signal, rule, next);
      }
      for (const { instance } of created) await instance.start?.();
      this.#processors.set(pipeline.id, created);
      pipelineHeads.set(pipeline.id, { consumer: next, mutates });
    }

    // Other workers may hand this one parts from here on: its pipelines are built.
    if (workers !== undefined) await workers.mesh.listen();

    // Receivers: one per id, feeding every pipeline that lists it, per signal.
    for (const node of graph.receivers) {
      const component = config.receivers.get(node.id)!;
      const factory = component.factory as ReceiverFactory;
      const consumers: Partial<Record<Signal, Consumer>> = {};
      for (const [signal, pipelineIds] of Object.entries(node.pipelines) as Array<[Signal, string[]]>) {
        consumers[signal] = fanout(pipelineIds.map((id) => pipelineHeads.get(id)!));
      }
      const pipelines = graph.pipelines
        .filter((p) => p.receivers.includes(node.id))
        .map((p) => ({ id: p.id, signal: p.signal, exporters: p.exporters, consumer: pipelineHeads.get(p.id)!.consumer }));
      const receiver = await factory.create({ ...this.#context(node.id, component.config), consumers, pipelines });
      this.#receivers.push({ id: node.id, instance: receiver });
    }
    for (const { instance } of this.#receivers) await instance.start?.();
    this.#started = true;
    for (const { id } of [...this.#receivers, ...this.#exporters]) this.host.reportHealth(id, 'ok');
    this.#logger.info({ pipelines: graph.pipelines.map((p) => p.id) }, 'sluice started');
  }

  get started(): boolean {
    return this.#started;
  }

  #context<C>(id: string, config: C) {
    return { id, config, telemetry: this.telemetry, logger: this.#logger.child({ component: id }), host: this.host };
  }

  /** Graceful: receivers stop, processors flush, exporters drain until the deadline. Idempotent. */
  shutdown(timeoutMs = 30_000): Promise<void> {
    this.#shutdown ??= this.#doShutdown(Date.now() + timeoutMs);
    return this.#shutdown;
  }

  async #doShutdown(deadline: number): Promise<void> {
    this.#started = false;
    this.#logger.info('sluice shutting down');
    for (const { id } of this.#receivers) this.host.reportHealth(id, 'stopped', 'shutting down');
    await stopAll(this.#receivers, this.#logger);
    // In pipeline order: a processor's flush goes into the ones after it, which must still run; a
    // connector stops (and flushes) once every pipeline feeding it has, before the ones it feeds.
    const stopped = new Set<string>();
    const connectors = [...this.#connectors];
    for (const pipelineId of this.#graph.stopOrder) {
      for (const processor of this.#processors.get(pipelineId) ?? []) await stopAll([processor], this.#logger);
      stopped.add(pipelineId);
      for (let i = 0; i < connectors.length; i++) {
        if (!connectors[i].upstream.every((p) => stopped.has(p))) continue;
        await stopAll(connectors.splice(i--, 1), this.#logger);
      }
    }
    await this.#workers?.close();
    await Promise.all(this.#exporters.map(({ id, instance }) => instance.shutdown(deadline).catch((error) => this.#logger.error({ component: id, error: String(error) }, 'shutdown failed'))));
    await stopAll([...this.#extensions].reverse(), this.#logger);
    await Promise.all(this.#metricsReaders.map((reader) => reader.shutdown()));
    await Promise.all(this.#metricsServers.map((server) => closeServer(server)));
    this.#logger.info('sluice stopped');
  }
}

async function stopAll(components: Named<Lifecycle>[], logger: Logger): Promise<void> {
  await Promise.all(
    components.map(async ({ id, instance }) => {
      try {
        await instance.shutdown?.();
      } catch (error) {
        logger.error({ component: id, error: String(error) }, 'shutdown failed');
      }
    }),
  );
}
