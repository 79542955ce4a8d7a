import { readFileSync } from 'node:fs';
import { parseDocument, parse as parseYaml } from 'yaml';
import type { ConfigProblem } from '../core/component.ts';
import { expandEnv, type ExpandProblem } from './expand.ts';

export type { ConfigProblem };

/** Every problem found, so the user fixes them in one round. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.path === '' ? '(root)' : p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  files: readonly string[];
  sets?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Config text given inline (tests, embedded defaults), merged after the files. */
  texts?: readonly string[];
}

export interface RawConfig {
  /** The merged sources, variables expanded (an unset one left empty). */
  raw: Record<string, unknown>;
  /**
   * Problems that leave the rest checkable: unset environment variables. They are reported
   * together with the schema's problems, not instead of them.
   */
  problems: ConfigProblem[];
}

/** Reads, expands and merges the config sources. Throws ConfigError listing every problem. */
export function loadRawConfig(options: LoadOptions): Record<string, unknown> {
  const { raw, problems } = readRawConfig(options);
  if (problems.length > 0) throw new ConfigError(problems);
  return raw;
}

/**
 * Reads, expands and merges the config sources. Throws ConfigError for what stops everything (an
 * unreadable file, YAML that does not parse, a malformed --set); returns the rest with the problems
 * that still let the config be checked.
 */
export function readRawConfig(options: LoadOptions): RawConfig {
  const problems: ConfigProblem[] = [];
  const expandProblems: ExpandProblem[] = [];
  const env = options.env ?? process.env;
  let merged: Record<string, unknown> = {};
  const sources: Source[] = [];
  for (const uri of options.files) {
    const source = readSource(uri, env);
    if ('problem' in source) problems.push({ path: '', message: source.problem });
    else sources.push(source);
  }
  for (const [i, text] of (options.texts ?? []).entries()) sources.push({ name: `<inline ${i}>`, text });

  for (const source of sources) {
    const document = parseDocument(source.text, { uniqueKeys: true });
    if (document.errors.length > 0) {
      for (const error of document.errors) problems.push({ path: '', message: `${source.name}: ${error.message.split('\n')[0]}` });
      continue;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ path: '', message: `${source.name}: the top level must be a map` });
      continue;
    }
    const expanded = expandEnv(source.nested ? nestKeys(value) : value, env, expandProblems) as Record<string, unknown>;
    merged = mergeDeep(merged, expanded);
  }

  for (const assignment of options.sets ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: '', message: `--set ${assignment}: expected key.path=value` });
      continue;
    }
    // The Collector writes --set paths with `::` (ids may hold dots); Sluice's older `a.b.c` still works.
    const key = assignment.slice(0, eq);
    const keyPath = key.includes('::') ? key.split('::') : key.split('.');
    let value: unknown;
    try {
      value = parseYaml(assignment.slice(eq + 1));
    } catch {
      value = assignment.slice(eq + 1);
    }
    merged = mergeDeep(merged, nest(keyPath, value));
  }

  if (problems.length > 0) throw new ConfigError([...problems, ...expandProblems]);
  return { raw: merged, problems: expandProblems };
}

interface Source {
  name: string;
  text: string;
  /** `yaml:` sources write nested keys as `a::b`. */
  nested?: boolean;
}

/**
 * A `--config` value, with the Collector's URI schemes: `file:PATH`, `env:VAR` (the config text in
 * a variable), `yaml:a::b: value` (inline YAML, `::` nesting keys); anything else is a file path.
 */
function readSource(uri: string, env: NodeJS.ProcessEnv): Source | { problem: string } {
  const scheme = /^([a-z][a-z0-9+.-]*):(.*)$/s.exec(uri);
  if (scheme !== null && scheme[1] === 'env') {
    const text = env[scheme[2]];
    return text === undefined ? { problem: `--config ${uri}: environment variable ${scheme[2]} is not set` } : { name: uri, text };
  }
  if (scheme !== null && scheme[1] === 'yaml') return { name: 'yaml:', text: scheme[2], nested: true };
  if (scheme !== null && (scheme[1] === 'http' || scheme[1] === 'https')) return { problem: `--config ${uri}: the ${scheme[1]} config provider is not supported; download the file and pass its path` };
  const path = scheme !== null && scheme[1] === 'file' ? scheme[2] : uri;
  try {
    return { name: path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    return { problem: `cannot read config file ${path}: ${(error as Error).message}` };
  }
}

/** `{ "a::b": 1 }` → `{ a: { b: 1 } }`, merging siblings. */
function nestKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  let out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out = mergeDeep(out, nest(key.split('::'), nestKeys(item)));
  return out;
}

function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i]]: out };
  return out as Record<string, unknown>;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Maps merge key by key; anything else (lists included) is replaced, as in the Collector. */
export function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? mergeDeep(current, value) : value;
  }
  return out;
}
