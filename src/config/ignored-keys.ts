import type { AnyFactory } from '../core/component.ts';
import type { ConfigProblem } from '../core/graph.ts';
import { HELPER_IGNORED_KEYS } from '../exporters/helper/config.ts';

// Keys a component accepts only so that a Collector config carries over, because ignoring them is
// harmless (`ignoredKeys` on its factory), and old type names it still answers to
// (`deprecatedAliases`). Each present one becomes a notice: `validate` prints it and `run` logs it
// once at start, so nothing a user wrote is silently dropped.

/** The notices for one component's raw config, written under `path` (`exporters.logging`). */
export function ignoredKeyNotices(factory: AnyFactory, type: string, path: string, raw: unknown): ConfigProblem[] {
  const notices: ConfigProblem[] = [];
  const deprecated = 'deprecatedAliases' in factory ? factory.deprecatedAliases : undefined;
  if (deprecated?.includes(type)) notices.push({ path, message: `"${type}" is deprecated: it is the old name of "${factory.type}"; write ${factory.type} instead` });
  const keys = { ...(factory.kind === 'exporter' ? HELPER_IGNORED_KEYS : {}), ...factory.ignoredKeys };
  for (const [key, why] of Object.entries(keys)) {
    if (valueAt(raw, key) !== undefined) notices.push({ path: `${path}.${key}`, message: `accepted and ignored: ${why}` });
  }
  return notices;
}

function valueAt(raw: unknown, dotted: string): unknown {
  let value = raw;
  for (const part of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value ?? undefined;
}
