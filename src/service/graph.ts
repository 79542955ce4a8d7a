import type { AnyFactory, ConfigProblem, ExtensionFactory } from '../core/component.ts';
import { extensionReferenceProblem, type ExtensionCapability, type ExtensionView, type GraphContext, type NodeView, type PipelineView } from '../core/graph.ts';
import { helperSettings } from '../config/exporter-settings.ts';
import { isUnder } from '../config/path.ts';
import { ConfigError, type RawConfig } from '../config/load.ts';
import { parseConfig, type ParsedConfig, type PipelineConfig, type ServiceConfig } from '../config/validate.ts';
import { splitHostPort } from '../net.ts';
import type { Signal } from '../otlp/types.ts';
import type { Registry } from '../registry.ts';

// The graph build, shared by `sluice validate` and `run`: the schema checks (config/validate.ts),
// then every check that needs the whole graph (each factory's validateInGraph, and the framework's
// own on the exporter helper's settings), then the plan of instances the service creates. All
// problems come back at once; `run` starts nothing unless there are none, so a start never fails
// for a reason validation could have seen.

export interface ExporterNode {
  id: string;
  signal: Signal;
}

export interface ReceiverNode {
  id: string;
  /** The pipelines it feeds, per signal it serves. */
  pipelines: Partial<Record<Signal, string[]>>;
}

/** One connector instance per (id, from, to) a config uses, like the Collector's. */
export interface ConnectorNode {
  id: string;
  from: Signal;
  to: Signal;
  /** The `from` pipelines that list it as an exporter. */
  upstream: string[];
  /** The `to` pipelines that list it as a receiver. */
  downstream: string[];
}

/** What the service builds, in start order: extensions, exporters, processor chains, receivers. */
export interface Graph {
  config: ServiceConfig;
  /** `service.extensions`, in the order listed. */
  extensions: readonly string[];
  /** One exporter instance per (signal, id). */
  exporters: readonly ExporterNode[];
  /**
   * One processor chain per pipeline, a connector's downstream pipelines before its upstream ones:
   * the order they are built and started in (and stopped in reverse), so nothing feeds a pipeline
   * that is not running.
   */
  pipelines: readonly PipelineConfig[];
  connectors: readonly ConnectorNode[];
  /** Pipeline ids in stop order: each after every pipeline that feeds it (config order otherwise). */
  stopOrder: readonly string[];
  /** One receiver instance per id, shared by the pipelines that list it. */
  receivers: readonly ReceiverNode[];
  /** Keys accepted and ignored, and deprecated names: `run` logs each once at start, `validate` prints them. */
  notices: readonly ConfigProblem[];
}

/** Checks a loaded config all the way through. Throws ConfigError listing every problem, each with its path. */
export function buildGraph(source: RawConfig, registry: Registry): Graph {
  const parsed = parseConfig(source.raw, registry);
  const problems = [...source.problems, ...withoutEchoes(parsed.problems, source.problems), ...checkGraph(parsed)];
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...plan(parsed.config), notices: parsed.notices };
}

/**
 * A value left empty by an unset environment variable fails its schema too; that echo says nothing
 * the variable's own problem does not.
 */
function withoutEchoes(problems: readonly ConfigProblem[], unset: readonly ConfigProblem[]): ConfigProblem[] {
  const roots = unset.map((u) => u.path);
  return problems.filter((p) => !isUnder(p.path, roots));
}

/** The checks that need more than one component's config. Runs on whatever parsed, so one mistake hides no other. */
export function checkGraph(parsed: ParsedConfig): ConfigProblem[] {
  const { config, defined } = parsed;
  const extensions = new Map<string, ExtensionView>();
  for (const [id, factory] of defined.extensions) {
    extensions.set(id, { id, type: factory?.type ?? id, provides: factory?.kind === 'extension' ? capabilitiesOf(factory, configOf(parsed, 'extensions', id)) : undefined, enabled: config.serviceExtensions.includes(id) });
  }
  const views = {
    receivers: nodeViews(parsed, 'receivers'),
    processors: nodeViews(parsed, 'processors'),
    exporters: nodeViews(parsed, 'exporters'),
    connectors: nodeViews(parsed, 'connectors'),
  };
  // A connector stands in receivers and exporters lists.
  const view = (section: 'receivers' | 'exporters', id: string) => views[section].get(id) ?? views.connectors.get(id)!;
  const pipelines: PipelineView[] = config.pipelines.map((p) => ({
    id: p.id,
    signal: p.signal,
    path: `service.pipelines.${p.id}`,
    receivers: p.receivers.map((id) => view('receivers', id)),
    processors: p.processors.map((id) => views.processors.get(id)!),
    exporters: p.exporters.map((id) => view('exporters', id)),
  }));

  const problems: ConfigProblem[] = [];
  const check = (section: Section, id: string, listing: readonly PipelineView[]) => {
    const factory = parsed.defined[section].get(id);
    const componentConfig = configOf(parsed, section, id);
    if (factory === undefined || componentConfig === undefined) return;
    const ctx: GraphContext<unknown> = { id, path: `${section}.${id}`, config: componentConfig, pipelines: listing, extensions };
    problems.push(...(factory.validateInGraph?.(ctx) ?? []));
    if (section === 'exporters') problems.push(...helperProblems(id, componentConfig, extensions));
  };
  for (const id of defined.extensions.keys()) check('extensions', id, []);
  for (const id of defined.receivers.keys()) check('receivers', id, pipelines.filter((p) => p.receivers.some((r) => r.id === id)));
  // Processors are instantiated per pipeline, so they are checked per pipeline.
  for (const pipeline of pipelines) for (const { id } of pipeline.processors) check('processors', id, [pipeline]);
  for (const id of defined.exporters.keys()) check('exporters', id, pipelines.filter((p) => p.exporters.some((e) => e.id === id)));
  for (const id of defined.connectors.keys()) check('connectors', id, pipelines.filter((p) => p.exporters.some((e) => e.id === id) || p.receivers.some((r) => r.id === id)));
  problems.push(...connectorProblems(parsed));
  problems.push(...portClashes(parsed));
  // What the graph says about a value taken out of a mistaken config is the same mistake again.
  const removed = SECTIONS.flatMap((section) => [...parsed.partial[section].values()].flatMap((p) => p.removed));
  return unique(problems.filter((p) => !isUnder(p.path, removed)));
}

/** What an extension offers: by its config where the factory says so, else what it always provides. */
function capabilitiesOf(factory: ExtensionFactory, extensionConfig: unknown): readonly ExtensionCapability[] {
  if (factory.capabilities !== undefined && extensionConfig !== undefined) return factory.capabilities(extensionConfig);
  return factory.provides ?? [];
}

const SECTIONS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
type Section = (typeof SECTIONS)[number];

/** A component's config for the graph checks: as parsed, or with its mistaken values taken out. */
function configOf(parsed: ParsedConfig, section: Section, id: string): unknown {
  return parsed.config[section].get(id)?.config ?? parsed.partial[section].get(id)?.config;
}

/**
 * Two listeners on one port fail at start (EADDRINUSE); the config already shows it. Only what will
 * start counts: receivers some pipeline uses, extensions in service.extensions, the metrics address.
 */
function portClashes(parsed: ParsedConfig): ConfigProblem[] {
  const { config } = parsed;
  const listeners: Array<{ path: string; host: string; port: number }> = [];
  const add = (path: string, endpoint: string) => {
    let address;
    try {
      address = splitHostPort(endpoint);
    } catch {
      return; // reported by its schema
    }
    if (address.port === 0) return; // 0 picks a free port
    listeners.push({ path, host: address.host === 'localhost' ? '127.0.0.1' : address.host, port: address.port });
  };
  const used = new Set(config.pipelines.flatMap((p) => p.receivers));
  for (const [section, ids] of [['receivers', used], ['extensions', new Set(config.serviceExtensions)]] as const) {
    for (const id of ids) {
      const factory = parsed.defined[section].get(id);
      const componentConfig = configOf(parsed, section, id);
      if (componentConfig === undefined || (factory?.kind !== 'receiver' && factory?.kind !== 'extension')) continue;
      for (const { path, endpoint } of factory.listenEndpoints?.(componentConfig) ?? []) add(`${section}.${id}.${path}`, endpoint);
    }
  }
  for (const { path, endpoint } of config.telemetry.metrics.listeners) add(`service.telemetry.metrics.${path}`, endpoint);

  const problems: ConfigProblem[] = [];
  for (const [i, later] of listeners.entries()) {
    const earlier = listeners.slice(0, i).find((l) => l.port === later.port && (l.host === later.host || WILDCARD.has(l.host) || WILDCARD.has(later.host)));
    if (earlier !== undefined) problems.push({ path: later.path, message: `port ${later.port} is already taken by ${earlier.path}` });
  }
  return problems;
}

const WILDCARD = new Set(['0.0.0.0', '::']);

function supports(factory: AnyFactory | undefined, from: Signal, to: Signal): boolean {
  return factory?.kind !== 'connector' || factory.pairs.some(([f, t]) => f === from && t === to);
}

/**
 * A connector used at one end only (its data would go nowhere, or it would never get any), one that
 * cannot join the signals of the pipelines on its two sides, and pipelines that feed themselves
 * through connectors. A connector defined and used nowhere is only not started, like any component.
 */
function connectorProblems(parsed: ParsedConfig): ConfigProblem[] {
  const { pipelines } = parsed.config;
  const problems: ConfigProblem[] = [];
  for (const [id, factory] of parsed.defined.connectors) {
    const asExporter = pipelines.filter((p) => p.exporters.includes(id));
    const asReceiver = pipelines.filter((p) => p.receivers.includes(id));
    const names = (list: readonly PipelineConfig[]) => list.map((p) => p.id).join(', ');
    if (asExporter.length > 0 && asReceiver.length === 0) {
      problems.push({ path: `connectors.${id}`, message: `connector "${id}" is an exporter in ${names(asExporter)} but no pipeline lists it as a receiver, so what it emits goes nowhere` });
    }
    if (asReceiver.length > 0 && asExporter.length === 0) {
      problems.push({ path: `connectors.${id}`, message: `connector "${id}" is a receiver in ${names(asReceiver)} but no pipeline lists it as an exporter, so it never gets anything` });
    }
    if (factory?.kind !== 'connector' || asExporter.length === 0 || asReceiver.length === 0) continue;
    const pairs = factory.pairs.map(([f, t]) => `${f} to ${t}`).join(', ');
    // A side whose signal the connector cannot take at all is reported by the pipeline's own check.
    for (const up of asExporter) {
      if (!factory.pairs.some(([f]) => f === up.signal) || asReceiver.some((down) => supports(factory, up.signal, down.signal))) continue;
      problems.push({ path: `service.pipelines.${up.id}.exporters[${up.exporters.indexOf(id)}]`, message: `connector "${id}" cannot join ${up.id} to any pipeline that receives from it (${names(asReceiver)}); it joins ${pairs}` });
    }
    for (const down of asReceiver) {
      if (!factory.pairs.some(([, t]) => t === down.signal) || asExporter.some((up) => supports(factory, up.signal, down.signal))) continue;
      problems.push({ path: `service.pipelines.${down.id}.receivers[${down.receivers.indexOf(id)}]`, message: `connector "${id}" cannot feed ${down.id} from any pipeline that exports to it (${names(asExporter)}); it joins ${pairs}` });
    }
  }
  for (const cycle of pipelineCycles(parsed)) {
    const [first] = cycle;
    const steps = cycle.map(({ pipeline, via }) => `${pipeline} → ${via}`).join(' → ');
    problems.push({ path: `service.pipelines.${first.pipeline}`, message: `pipelines form a cycle through connectors: ${steps} → ${first.pipeline}` });
  }
  return problems;
}

interface Edge {
  to: string;
  via: string;
}

/** Pipeline → pipeline edges through connectors that can join their signals. */
function pipelineEdges(pipelines: readonly PipelineConfig[], connectors: ReadonlyMap<string, AnyFactory | undefined>): Map<string, Edge[]> {
  const edges = new Map<string, Edge[]>();
  for (const up of pipelines) {
    const out: Edge[] = [];
    for (const via of up.exporters) {
      if (!connectors.has(via)) continue;
      for (const down of pipelines) if (down.receivers.includes(via) && supports(connectors.get(via), up.signal, down.signal)) out.push({ to: down.id, via });
    }
    edges.set(up.id, out);
  }
  return edges;
}

/** Each cycle once (by its set of pipelines), as the steps around it. */
function pipelineCycles(parsed: ParsedConfig): Array<Array<{ pipeline: string; via: string }>> {
  const edges = pipelineEdges(parsed.config.pipelines, parsed.defined.connectors);
  const cycles: Array<Array<{ pipeline: string; via: string }>> = [];
  const seen = new Set<string>();
  const done = new Set<string>();
  const stack: Array<{ pipeline: string; via: string }> = [];
  const onStack = new Map<string, number>();
  const visit = (pipeline: string) => {
    onStack.set(pipeline, stack.length);
    for (const edge of edges.get(pipeline) ?? []) {
      stack.push({ pipeline, via: edge.via });
      const at = onStack.get(edge.to);
      if (at !== undefined) {
        const cycle = stack.slice(at);
        const key = cycle.map((s) => s.pipeline).sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!done.has(edge.to)) {
        visit(edge.to);
      }
      stack.pop();
    }
    onStack.delete(pipeline);
    done.add(pipeline);
  };
  for (const { id } of parsed.config.pipelines) if (!done.has(id)) visit(id);
  return cycles;
}

/** The framework's checks of the exporter helper's settings, which it adds to every exporter. */
function helperProblems(id: string, exporterConfig: unknown, extensions: ReadonlyMap<string, ExtensionView>): ConfigProblem[] {
  const queue = helperSettings(exporterConfig).sending_queue;
  if (!queue.enabled || queue.storage === undefined) return [];
  const problem = extensionReferenceProblem(extensions, queue.storage, 'storage', `exporters.${id}.sending_queue.storage`);
  return problem === undefined ? [] : [problem];
}

function nodeViews(parsed: ParsedConfig, section: 'receivers' | 'processors' | 'exporters' | 'connectors'): Map<string, NodeView> {
  const views = new Map<string, NodeView>();
  for (const [id, factory] of parsed.defined[section]) {
    const componentConfig = configOf(parsed, section, id);
    const view: NodeView = { id, type: factory?.type ?? id, config: componentConfig };
    if (componentConfig !== undefined && factory?.kind === 'receiver' && factory.metadataHeaders !== undefined) view.metadataHeaders = factory.metadataHeaders(componentConfig);
    views.set(id, view);
  }
  return views;
}

function unique(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The instances a checked config asks for. */
export function plan(config: ServiceConfig): Graph {
  const exporters: ExporterNode[] = [];
  const seen = new Set<string>();
  for (const pipeline of config.pipelines) {
    for (const id of pipeline.exporters) {
      if (config.connectors.has(id)) continue;
      const key = `${pipeline.signal}\u0000${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      exporters.push({ id, signal: pipeline.signal });
    }
  }
  const receivers = new Map<string, ReceiverNode>();
  for (const pipeline of config.pipelines) {
    for (const id of pipeline.receivers) {
      if (config.connectors.has(id)) continue;
      let node = receivers.get(id);
      if (node === undefined) {
        node = { id, pipelines: {} };
        receivers.set(id, node);
      }
      (node.pipelines[pipeline.signal] ??= []).push(pipeline.id);
    }
  }
  const connectorNodes: ConnectorNode[] = [];
  for (const [id, { factory }] of config.connectors) {
    if (factory.kind !== 'connector') continue;
    for (const [from, to] of factory.pairs) {
      const upstream = config.pipelines.filter((p) => p.signal === from && p.exporters.includes(id)).map((p) => p.id);
      const downstream = config.pipelines.filter((p) => p.signal === to && p.receivers.includes(id)).map((p) => p.id);
      if (upstream.length > 0 && downstream.length > 0) connectorNodes.push({ id, from, to, upstream, downstream });
    }
  }
  return { config, extensions: config.serviceExtensions, exporters, pipelines: ordered(config, 'downstream'), connectors: connectorNodes, stopOrder: ordered(config, 'upstream').map((p) => p.id), receivers: [...receivers.values()], notices: [] };
}

/**
 * Pipelines with those joined by connectors in order (`downstream`: each after all it feeds;
 * `upstream`: each after all that feed it), the others in config order.
 */
function ordered(config: ServiceConfig, first: 'downstream' | 'upstream'): PipelineConfig[] {
  const factories = new Map([...config.connectors].map(([id, c]) => [id, c.factory as AnyFactory | undefined]));
  const edges = pipelineEdges(config.pipelines, factories);
  if (first === 'upstream') {
    const reversed = new Map<string, Edge[]>(config.pipelines.map((p) => [p.id, []]));
    for (const [from, out] of edges) for (const edge of out) reversed.get(edge.to)!.push({ to: from, via: edge.via });
    edges.clear();
    for (const [id, out] of reversed) edges.set(id, out);
  }
  const ordered: PipelineConfig[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (pipeline: PipelineConfig) => {
    if (placed.has(pipeline.id) || visiting.has(pipeline.id)) return; // a cycle is reported by the checks
    visiting.add(pipeline.id);
    for (const edge of edges.get(pipeline.id) ?? []) place(config.pipelines.find((p) => p.id === edge.to)!);
    visiting.delete(pipeline.id);
    placed.add(pipeline.id);
    ordered.push(pipeline);
  };
  for (const pipeline of config.pipelines) place(pipeline);
  return ordered;
}
