import type { z } from 'zod';
import { formatPath } from './path.ts';

// A component whose config has a mistake is still checked against the graph (an authenticator it
// names, a header a processor needs from it), or its one mistake would hide those. For that check
// only, the mistaken values are taken out and the schema's defaults stand in; what the graph then
// says about a removed value is dropped, since the mistake there is already reported.

export interface Salvaged {
  config: unknown;
  /** Paths of the values taken out, as formatPath writes them. */
  removed: string[];
}

const MAX_ROUNDS = 4;
const REMOVED = Symbol('removed');

/** The config with its mistaken values removed, when that parses; undefined when it cannot (a missing required field). */
export function salvage(schema: z.ZodType, value: unknown, error: z.ZodError, base: string): Salvaged | undefined {
  let current: unknown = structuredClone(value);
  let issues = error.issues;
  const removed: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let progress = false;
    for (const issue of issues) {
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      for (const path of paths) {
        if (path.length > 0 && mark(current, path)) {
          removed.push(formatPath(base, path));
          progress = true;
        }
      }
    }
    if (!progress) return undefined;
    current = sweep(current);
    const parsed = schema.safeParse(current);
    if (parsed.success) return { config: parsed.data, removed };
    issues = parsed.error.issues;
  }
  return undefined;
}

/** Replaces the value at `path` with a marker (array indices stay valid until sweep). */
function mark(root: unknown, path: readonly PropertyKey[]): boolean {
  let parent = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<PropertyKey, unknown>)[path[i]];
  }
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || !(key in parent)) return false;
  const holder = parent as Record<PropertyKey, unknown>;
  if (holder[key] === REMOVED) return false;
  holder[key] = REMOVED;
  return true;
}

function sweep(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== REMOVED).map(sweep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== REMOVED) out[key] = sweep(item);
    return out;
  }
  return value;
}
