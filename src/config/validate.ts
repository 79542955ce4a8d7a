import { z } from 'zod';
import type { AnyFactory, ComponentKind } from '../core/component.ts';
import { SIGNALS, type Signal } from '../otlp/types.ts';
import type { Registry } from '../registry.ts';
import { ConfigError, type ConfigProblem } from './load.ts';
import { duration, section } from './units.ts';

export interface ComponentConfig<F extends AnyFactory = AnyFactory> {
  id: string;
  kind: ComponentKind;
  factory: F;
  config: unknown;
}

export interface PipelineConfig {
  id: string;
  signal: Signal;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface ServiceConfig {
  receivers: Map<string, ComponentConfig>;
  processors: Map<string, ComponentConfig>;
  exporters: Map<string, ComponentConfig>;
  extensions: Map<string, ComponentConfig>;
  serviceExtensions: string[];
  pipelines: PipelineConfig[];
  telemetry: TelemetryConfig;
}

const SECTION_KIND = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  extensions: 'extension',
} as const satisfies Record<string, ComponentKind>;

type Section = keyof typeof SECTION_KIND;
const SECTIONS = Object.keys(SECTION_KIND) as Section[];

const idList = z.array(z.string().min(1)).default([]);

const pipelineSchema = z
  .object({ receivers: idList, processors: idList, exporters: idList })
  .strict();

const telemetrySchema = z
  .object({
    metrics: z
      .object({
        /** host:port of the Prometheus /metrics endpoint; empty turns it off. */
        address: z.string().default('127.0.0.1:8888'),
      })
      .strict()
      .default({ address: '127.0.0.1:8888' }),
    logs: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
    /** How long a graceful shutdown may take before queues are left to persistent storage. */
    shutdown_timeout: duration('30s'),
  })
  .strict();

export type TelemetryConfig = z.output<typeof telemetrySchema>;

const serviceSchema = z
  .object({
    extensions: idList,
    telemetry: section(telemetrySchema),
    pipelines: z.record(z.string(), pipelineSchema.nullable()).default({}),
  })
  .strict();

const topSchema = z
  .object({
    receivers: z.record(z.string(), z.unknown()).default({}),
    processors: z.record(z.string(), z.unknown()).default({}),
    exporters: z.record(z.string(), z.unknown()).default({}),
    extensions: z.record(z.string(), z.unknown()).default({}),
    connectors: z.record(z.string(), z.unknown()).optional(),
    service: z.unknown(),
  })
  .strict();

/** `a.b[2].c` from a zod issue path. */
export function formatPath(base: string, path: readonly PropertyKey[]): string {
  let text = base;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

export function zodProblems(base: string, error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath(base, [...issue.path, key]), message: `unknown key "${key}"` });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      problems.push({ path: formatPath(base, issue.path), message: issue.message });
    } else {
      problems.push({ path: formatPath(base, issue.path), message: issue.message });
    }
  }
  return problems;
}

export function parseComponentId(id: string): { type: string; name: string | undefined } {
  const slash = id.indexOf('/');
  return slash < 0 ? { type: id, name: undefined } : { type: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** Validates a merged raw config against the registry. Throws ConfigError listing every problem. */
export function validateConfig(raw: Record<string, unknown>, registry: Registry): ServiceConfig {
  const problems: ConfigProblem[] = [];
  const top = topSchema.safeParse(raw);
  if (!top.success) problems.push(...zodProblems('', top.error));
  const sections = top.success ? top.data : { receivers: {}, processors: {}, exporters: {}, extensions: {}, service: undefined, connectors: undefined };
  if (sections.connectors !== undefined && Object.keys(sections.connectors).length > 0) {
    problems.push({ path: 'connectors', message: 'connectors are not supported; use the routing processor' });
  }

  const result: ServiceConfig = {
    receivers: new Map(),
    processors: new Map(),
    exporters: new Map(),
    extensions: new Map(),
    serviceExtensions: [],
    pipelines: [],
    telemetry: telemetrySchema.parse({}),
  };

  for (const section of SECTIONS) {
    const kind = SECTION_KIND[section];
    for (const [id, value] of Object.entries(sections[section] ?? {})) {
      const path = `${section}.${id}`;
      const { type, name } = parseComponentId(id);
      if (type === '' || name === '') {
        problems.push({ path, message: `invalid component id "${id}" (write type or type/name)` });
        continue;
      }
      const factory = registry.find(kind, type);
      if (factory === undefined) {
        problems.push({ path, message: `unknown ${kind} type "${type}"${suggest(type, registry.types(kind))}` });
        continue;
      }
      const parsed = factory.configSchema.safeParse(value ?? {});
      if (!parsed.success) {
        problems.push(...zodProblems(path, parsed.error));
        continue;
      }
      result[section].set(id, { id, kind, factory, config: parsed.data });
    }
  }

  const service = section(serviceSchema).safeParse(sections.service ?? {});
  if (!service.success) {
    problems.push(...zodProblems('service', service.error));
  } else {
    result.telemetry = service.data.telemetry;
    for (const [i, id] of service.data.extensions.entries()) {
      if (!(id in (sections.extensions ?? {}))) problems.push({ path: `service.extensions[${i}]`, message: `extension "${id}" is not defined under extensions` });
    }
    result.serviceExtensions = service.data.extensions;
    const pipelines = service.data.pipelines;
    if (Object.keys(pipelines).length === 0) problems.push({ path: 'service.pipelines', message: 'at least one pipeline is required' });
    for (const [pipelineId, pipeline] of Object.entries(pipelines)) {
      const path = `service.pipelines.${pipelineId}`;
      const { type: signal } = parseComponentId(pipelineId);
      if (!(SIGNALS as readonly string[]).includes(signal)) {
        problems.push({ path, message: `unknown signal "${signal}" (pipelines are traces, metrics or logs, optionally named: traces/gateway)` });
        continue;
      }
      if (pipeline === null) {
        problems.push({ path, message: 'a pipeline needs receivers and exporters' });
        continue;
      }
      const refs = { receivers: pipeline.receivers, processors: pipeline.processors, exporters: pipeline.exporters } as const;
      for (const [section, ids] of Object.entries(refs) as Array<[Exclude<Section, 'extensions'>, string[]]>) {
        if (ids.length === 0 && section !== 'processors') problems.push({ path: `${path}.${section}`, message: `a pipeline needs at least one ${SECTION_KIND[section]}` });
        const seen = new Set<string>();
        for (const [i, id] of ids.entries()) {
          const refPath = `${path}.${section}[${i}]`;
          if (seen.has(id)) problems.push({ path: refPath, message: `"${id}" is listed twice` });
          seen.add(id);
          if (!(id in (sections[section] ?? {}))) {
            problems.push({ path: refPath, message: `${SECTION_KIND[section]} "${id}" is not defined under ${section}` });
            continue;
          }
          const component = result[section].get(id);
          if (component === undefined) continue; // its own problem is already reported
          const signals = (component.factory as { signals: readonly Signal[] }).signals;
          if (!signals.includes(signal as Signal)) {
            problems.push({ path: refPath, message: `${SECTION_KIND[section]} "${id}" does not support ${signal} (it supports ${signals.join(', ')})` });
          }
        }
      }
      result.pipelines.push({ id: pipelineId, signal: signal as Signal, ...refs });
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return result;
}

function suggest(type: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(type, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
