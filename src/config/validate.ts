import { z } from 'zod';
import type { AnyFactory, ComponentKind } from '../core/component.ts';
import { SIGNALS, type Signal } from '../otlp/types.ts';
import type { Registry } from '../registry.ts';
import type { ConfigProblem } from './load.ts';
import { exporterConfigSchema } from './exporter-settings.ts';
import { formatPath } from './path.ts';
import { salvage, type Salvaged } from './salvage.ts';
import { section } from './units.ts';
import { telemetryNotices, telemetrySchema, type TelemetryConfig } from './telemetry.ts';
import { ignoredKeyNotices } from './ignored-keys.ts';

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
  connectors: Map<string, ComponentConfig>;
  extensions: Map<string, ComponentConfig>;
  serviceExtensions: string[];
  pipelines: PipelineConfig[];
  telemetry: TelemetryConfig;
  /** Worker processes: `auto` (the CPU the process is given) or a count; 1 is a single process. */
  workers: 'auto' | number;
}

/** `service.workers`. */
export const workersSchema = z
  .custom<'auto' | number>((v) => v === 'auto' || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 256), {
    message: 'write auto, or a whole number of worker processes from 1 to 256',
  })
  .default('auto');

const SECTION_KIND = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
} as const satisfies Record<string, ComponentKind>;

type Section = keyof typeof SECTION_KIND;
const SECTIONS = Object.keys(SECTION_KIND) as Section[];

const idList = z.array(z.string().min(1)).default([]);

const PIPELINE_LISTS = ['receivers', 'processors', 'exporters'] as const;

export type { TelemetryConfig };

const TOP_KEYS = [...SECTIONS, 'service'];
const SERVICE_KEYS = ['extensions', 'telemetry', 'pipelines', 'workers'];
const sectionMap = z.record(z.string(), z.unknown());

/** zod's issues as problems a person can act on: each with its path, in the config's words. */
export function zodProblems(base: string, error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath(base, [...issue.path, key]), message: `unknown key "${key}"` });
    } else {
      problems.push({ path: formatPath(base, issue.path), message: issueMessage(issue) });
    }
  }
  return problems;
}

/** Parses with the input kept on each issue, so a missing field can be told from a wrong one. */
export function parseWithProblems<T>(schema: z.ZodType<T>, value: unknown, path: string): { data: T; problems: [] } | { data: undefined; problems: ConfigProblem[] } {
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success ? { data: parsed.data, problems: [] } : { data: undefined, problems: zodProblems(path, parsed.error) };
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // zod's own wording ("Invalid input: expected string, received undefined") names its types;
  // these name what to write. Custom messages (durations, sizes, components' refinements) pass as written.
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (issue.input === undefined) {
        const field = issue.path.at(-1);
        return typeof field === 'string' ? `"${field}" is required (${expected})` : `required: ${expected}`;
      }
      return `expected ${expected}, got ${describe(issue.input)}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}, got ${describe(issue.input)}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${describe(issue.input)}`;
    case 'invalid_format':
      if (issue.message.startsWith('Invalid')) return `${describe(issue.input)} is not a valid ${issue.format === 'regex' ? 'value' : issue.format === 'url' ? 'URL' : issue.format}`;
      return issue.message;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
      if (issue.origin === 'string' && issue.code === 'too_small' && Number(bound) === 1) return 'must not be empty';
      if (issue.origin === 'array' || issue.origin === 'set') return `needs ${word} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `needs ${word} ${bound} characters`;
      return `must be ${word} ${bound}, got ${describe(issue.input)}`;
    }
    case 'invalid_union':
      return `${describe(issue.input)} is not an accepted form here`;
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
  return String(value);
}

export function parseComponentId(id: string): { type: string; name: string | undefined } {
  const slash = id.indexOf('/');
  return slash < 0 ? { type: id, name: undefined } : { type: id.slice(0, slash), name: id.slice(slash + 1) };
}

export interface ParsedConfig {
  /** The components whose config passed, and every well-formed pipeline. Complete when problems is empty. */
  config: ServiceConfig;
  problems: ConfigProblem[];
  /** Every id defined in a section, with its factory (undefined for an unknown type), passed or not. */
  defined: Record<Section, Map<string, AnyFactory | undefined>>;
  /** Components whose config has mistakes, with those values taken out, for the graph checks alone. */
  partial: Record<Section, Map<string, Salvaged>>;
  /** Keys accepted and ignored (harmless), or deprecated names: logged once at start, printed by validate. */
  notices: ConfigProblem[];
}

/**
 * Checks a merged raw config against the registry, section by section, so one mistake never hides
 * another: every problem comes back with its path, beside what did parse. The checks that need the
 * whole graph (references between components, positions) follow in src/service/graph.ts.
 */
export function parseConfig(raw: Record<string, unknown>, registry: Registry): ParsedConfig {
  const problems: ConfigProblem[] = [];
  const notices: ConfigProblem[] = [];
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) problems.push({ path: key, message: `unknown key "${key}"${suggestKey(key, TOP_KEYS)}` });
  }

  const result: ServiceConfig = {
    receivers: new Map(),
    processors: new Map(),
    exporters: new Map(),
    connectors: new Map(),
    extensions: new Map(),
    serviceExtensions: [],
    pipelines: [],
    telemetry: telemetrySchema.parse({}),
    workers: 'auto',
  };
  const defined: ParsedConfig['defined'] = { receivers: new Map(), processors: new Map(), exporters: new Map(), connectors: new Map(), extensions: new Map() };
  const partial: ParsedConfig['partial'] = { receivers: new Map(), processors: new Map(), exporters: new Map(), connectors: new Map(), extensions: new Map() };

  for (const section of SECTIONS) {
    const kind = SECTION_KIND[section];
    const entries = parseWithProblems(sectionMap.nullish(), raw[section], section);
    problems.push(...entries.problems);
    for (const [id, value] of Object.entries(entries.data ?? {})) {
      const path = `${section}.${id}`;
      const { type, name } = parseComponentId(id);
      if (type === '' || name === '') {
        problems.push({ path, message: `invalid component id "${id}" (write type or type/name)` });
        continue;
      }
      const factory = registry.find(kind, type);
      defined[section].set(id, factory);
      if (factory === undefined) {
        problems.push({ path, message: `unknown ${kind} type "${type}"${suggest(type, registry.types(kind))}` });
        continue;
      }
      notices.push(...ignoredKeyNotices(factory, type, path, value));
      const schema = factory.kind === 'exporter' ? exporterConfigSchema(factory) : factory.configSchema;
      const parsed = schema.safeParse(value ?? {}, { reportInput: true });
      if (parsed.success) {
        result[section].set(id, { id, kind, factory, config: parsed.data });
        continue;
      }
      problems.push(...zodProblems(path, parsed.error));
      const salvaged = salvage(schema, value ?? {}, parsed.error, path);
      if (salvaged !== undefined) partial[section].set(id, salvaged);
    }
  }

  // The service section field by field, and each pipeline on its own: a typo in one leaves the
  // others, and the references of all, checked.
  const service = parseWithProblems(sectionMap.nullish(), raw.service, 'service');
  problems.push(...service.problems);
  const serviceRaw = service.data ?? {};
  let pipelinesMisspelt = false;
  for (const key of Object.keys(serviceRaw)) {
    if (SERVICE_KEYS.includes(key)) continue;
    pipelinesMisspelt ||= closest(key, SERVICE_KEYS) === 'pipelines';
    problems.push({ path: `service.${key}`, message: `unknown key "${key}"${suggestKey(key, SERVICE_KEYS)}` });
  }
  const telemetry = parseWithProblems(section(telemetrySchema).nullable(), serviceRaw.telemetry, 'service.telemetry');
  problems.push(...telemetry.problems);
  if (telemetry.data) result.telemetry = telemetry.data;
  notices.push(...telemetryNotices(serviceRaw.telemetry));
  const workers = parseWithProblems(workersSchema, serviceRaw.workers, 'service.workers');
  problems.push(...workers.problems);
  if (workers.data !== undefined) result.workers = workers.data;
  const extensions = parseWithProblems(idList.nullable(), serviceRaw.extensions, 'service.extensions');
  problems.push(...extensions.problems);
  for (const [i, id] of (extensions.data ?? []).entries()) {
    if (!defined.extensions.has(id)) problems.push({ path: `service.extensions[${i}]`, message: `extension "${id}" is not defined under extensions` });
    else result.serviceExtensions.push(id);
  }

  const pipelines = parseWithProblems(sectionMap.nullish(), serviceRaw.pipelines, 'service.pipelines');
  problems.push(...pipelines.problems);
  const pipelineEntries = Object.entries(pipelines.data ?? {});
  if (pipelineEntries.length === 0 && pipelines.problems.length === 0 && !pipelinesMisspelt) {
    problems.push({ path: 'service.pipelines', message: 'at least one pipeline is required' });
  }
  for (const [pipelineId, value] of pipelineEntries) {
    const pipeline = parsePipeline(pipelineId, value, defined, problems);
    if (pipeline !== undefined) result.pipelines.push(pipeline);
  }
  return { config: result, problems, defined, partial, notices };
}

function parsePipeline(
  pipelineId: string,
  value: unknown,
  defined: ParsedConfig['defined'],
  problems: ConfigProblem[],
): PipelineConfig | undefined {
  const path = `service.pipelines.${pipelineId}`;
  const { type: signal } = parseComponentId(pipelineId);
  const signalKnown = (SIGNALS as readonly string[]).includes(signal);
  if (!signalKnown) problems.push({ path, message: `unknown signal "${signal}" (pipelines are traces, metrics or logs, optionally named: traces/gateway)` });
  if (value === null || value === undefined) {
    problems.push({ path, message: 'a pipeline needs receivers and exporters' });
    return undefined;
  }
  const body = parseWithProblems(sectionMap, value, path);
  problems.push(...body.problems);
  if (body.data === undefined) return undefined;
  const misspelt = new Set<string>();
  for (const key of Object.keys(body.data)) {
    if ((PIPELINE_LISTS as readonly string[]).includes(key)) continue;
    const meant = closest(key, PIPELINE_LISTS);
    if (meant !== undefined) misspelt.add(meant);
    problems.push({ path: `${path}.${key}`, message: `unknown key "${key}"${suggestKey(key, PIPELINE_LISTS)}` });
  }
  const lists = { receivers: [] as string[], processors: [] as string[], exporters: [] as string[] };
  for (const section of PIPELINE_LISTS) {
    const ids = parseWithProblems(idList, body.data[section], `${path}.${section}`);
    problems.push(...ids.problems);
    if (ids.data === undefined) continue;
    // A misspelt list (`exporter:`) is one mistake, already reported; the empty list is its echo.
    if (ids.data.length === 0 && section !== 'processors' && !misspelt.has(section)) problems.push({ path: `${path}.${section}`, message: `a pipeline needs at least one ${SECTION_KIND[section]}` });
    const seen = new Set<string>();
    // A connector stands in a receivers or exporters list: the end of one pipeline, the start of another.
    const connectorSide = section === 'processors' ? undefined : section === 'receivers' ? 1 : 0;
    for (const [i, id] of ids.data.entries()) {
      const refPath = `${path}.${section}[${i}]`;
      if (seen.has(id)) problems.push({ path: refPath, message: `"${id}" is listed twice` });
      seen.add(id);
      const isConnector = connectorSide !== undefined && defined.connectors.has(id);
      if (isConnector && defined[section].has(id)) {
        problems.push({ path: refPath, message: `"${id}" is defined under both ${section} and connectors: rename one` });
        continue;
      }
      if (isConnector) {
        lists[section].push(id);
        const factory = defined.connectors.get(id);
        if (factory?.kind !== 'connector' || !signalKnown) continue;
        if (!factory.pairs.some((pair) => pair[connectorSide] === signal)) {
          const sides = [...new Set(factory.pairs.map((pair) => pair[connectorSide]))].join(', ');
          const role = connectorSide === 0 ? 'an exporter' : 'a receiver';
          problems.push({ path: refPath, message: `connector "${id}" cannot be ${role} in a ${signal} pipeline (it can in ${sides})` });
        }
        continue;
      }
      if (!defined[section].has(id)) {
        const withConnectors = connectorSide !== undefined && defined.connectors.size > 0;
        const known = withConnectors ? [...defined[section].keys(), ...defined.connectors.keys()] : [...defined[section].keys()];
        const where = withConnectors ? `${section} or connectors` : section;
        problems.push({ path: refPath, message: `${SECTION_KIND[section]} "${id}" is not defined under ${where}${suggest(id, known, false)}` });
        continue;
      }
      lists[section].push(id);
      const factory = defined[section].get(id);
      if (factory === undefined || !signalKnown) continue; // its own problem is already reported
      const signals = (factory as { signals: readonly Signal[] }).signals;
      if (!signals.includes(signal as Signal)) {
        problems.push({ path: refPath, message: `${SECTION_KIND[section]} "${id}" does not support ${signal} (it supports ${signals.join(', ')})` });
      }
    }
  }
  return signalKnown ? { id: pipelineId, signal: signal as Signal, ...lists } : undefined;
}

function suggestKey(key: string, known: readonly string[]): string {
  return suggest(key, known, false);
}

function suggest(type: string, known: readonly string[], listKnown = true): string {
  const best = closest(type, known);
  if (best !== undefined) return ` (did you mean "${best}"?)`;
  return listKnown && known.length > 0 ? ` (known: ${known.join(', ')})` : '';
}

/** The known name within two edits of `name`, if any: what a typo most likely meant. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best;
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
