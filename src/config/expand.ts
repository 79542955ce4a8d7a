import { parse as parseYaml } from 'yaml';

// `${env:VAR}`, `${VAR}` and `${env:VAR:-default}` expand inside string values; `$$` is a literal
// `$`. As in the Collector, a value that is exactly one reference takes the type its text has in
// YAML, so `port: ${env:PORT}` yields a number.

const REFERENCE = /\$\$|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{(?:env:)?[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

export interface ExpandProblem {
  path: string;
  message: string;
}

export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, problems: ExpandProblem[], path = ''): unknown {
  if (typeof value === 'string') return expandString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, problems, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env, problems, path === '' ? key : `${path}.${key}`);
    return out;
  }
  return value;
}

function expandString(text: string, env: NodeJS.ProcessEnv, problems: ExpandProblem[], path: string): unknown {
  if (!text.includes('$')) return text;
  const expanded = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const value = env[name as string];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set and has no default (write \${env:${name}:-default})` });
    return '';
  });
  if (WHOLE_REFERENCE.test(text)) {
    try {
      const typed: unknown = parseYaml(expanded);
      if (typed === null || typeof typed !== 'object') return typed ?? expanded;
    } catch {
      // Not valid YAML on its own: keep the text.
    }
  }
  return expanded;
}
