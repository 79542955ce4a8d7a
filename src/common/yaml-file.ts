import { parseDocument } from 'yaml';
import type { z } from 'zod';

// Parses a watched YAML file into a validated value. Every error message here ends up in logs,
// and these files hold secrets (tokens) and customer data, so messages carry positions and
// paths only: never the YAML library's code frame, never a received value.

/** Thrown for an invalid file; `message` lists every problem and is safe to log. */
export class FileContentError extends Error {
  override readonly name = 'FileContentError';
}

export interface ParseOptions {
  /**
   * Reports unknown keys without their names. For files where a mis-shaped entry may turn a
   * secret into a key (`- s3cr3t: acme`).
   */
  hideUnknownKeyNames?: boolean;
}

export function parseYamlWith<S extends z.ZodType>(text: string, schema: S, opts: ParseOptions = {}): z.output<S> {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new FileContentError(doc.errors.map(describeYamlError).join('; '));
  }
  const result = schema.safeParse(doc.toJS());
  if (!result.success) {
    throw new FileContentError(result.error.issues.map((issue) => describeIssue(issue, opts.hideUnknownKeyNames === true)).join('; '));
  }
  return result.data;
}

function describeYamlError(err: { code: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const at = err.linePos?.[0];
  return at === undefined ? `invalid YAML (${err.code})` : `invalid YAML (${err.code}) at line ${at.line}, column ${at.col}`;
}

function describeIssue(issue: z.core.$ZodIssue, hideUnknownKeyNames: boolean): string {
  const path = issue.path.length === 0 ? '(root)' : formatPath(issue.path);
  if (hideUnknownKeyNames && issue.code === 'unrecognized_keys') {
    return `${path}: ${issue.keys.length} unknown key(s)`;
  }
  return `${path}: ${issue.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out;
}
