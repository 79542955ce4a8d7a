import { z } from 'zod';
import { RE2JS } from 're2js';

// The Collector's attribute actions (internal/coreinternal/attraction) and include/exclude match
// properties (filterconfig), shared by the attributes and resource processors. Field names and
// rules are the Collector's, so a config carries over unchanged.

export const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** A YAML scalar, list or map as an attribute value. */
export type ConfigValue = string | number | boolean | ConfigValue[] | { [key: string]: ConfigValue };
const configValue: z.ZodType<ConfigValue> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.array(configValue), z.record(z.string(), configValue)]));

function re2(message: string) {
  return z.string().superRefine((pattern, ctx) => {
    try {
      RE2JS.compile(pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${message}: ${(error as Error).message}` });
    }
  });
}

export const actionSchema = z
  .strictObject({
    key: z.string().min(1).optional(),
    action: z.enum(ACTIONS, { message: `action must be one of ${ACTIONS.join(', ')}` }),
    value: configValue.optional(),
    pattern: re2('invalid RE2 pattern').optional(),
    from_attribute: z.string().min(1).optional(),
    from_context: z.string().min(1).optional(),
    default_value: configValue.optional(),
    converted_type: z.enum(['int', 'double', 'string']).optional(),
  })
  .superRefine((a, ctx) => {
    const issue = (message: string, path: string[] = []) => ctx.addIssue({ code: 'custom', message, path });
    const sources = [a.value, a.from_attribute, a.from_context].filter((v) => v !== undefined).length;
    switch (a.action) {
      case 'insert':
      case 'update':
      case 'upsert':
        if (a.key === undefined) issue(`"key" is required for ${a.action}`);
        if (sources + (a.default_value !== undefined ? 1 : 0) === 0) issue(`${a.action} needs one of value, from_attribute, from_context or default_value`);
        if (sources > 1) issue('only one of value, from_attribute and from_context may be set');
        if (a.pattern !== undefined) issue(`"pattern" is not used by ${a.action}`, ['pattern']);
        if (a.from_context?.startsWith('auth.')) issue('auth.* context keys are not supported: Sluice authenticators expose only the tenant (use the tenant processor)', ['from_context']);
        break;
      case 'delete':
      case 'hash':
        if (a.key === undefined && a.pattern === undefined) issue(`${a.action} needs "key" and/or "pattern"`);
        if (sources > 0 || a.default_value !== undefined) issue(`${a.action} takes no value, from_attribute, from_context or default_value`);
        break;
      case 'extract':
        if (a.key === undefined) issue('"key" is required for extract');
        if (a.pattern === undefined) issue('"pattern" with named groups is required for extract');
        else if (Object.keys(safeGroups(a.pattern)).length === 0) issue('the extract pattern needs at least one named group, such as (?P<name>...)', ['pattern']);
        break;
      case 'convert':
        if (a.key === undefined) issue('"key" is required for convert');
        if (a.converted_type === undefined) issue('"converted_type" (int, double or string) is required for convert');
        break;
    }
    if (a.converted_type !== undefined && a.action !== 'convert') issue('"converted_type" is only used by convert', ['converted_type']);
  });

function safeGroups(pattern: string): Record<string, number> {
  try {
    return RE2JS.compile(pattern).namedGroups();
  } catch {
    return { invalid: 1 };
  }
}

export type ActionConfig = z.output<typeof actionSchema>;

const keyValueMatch = z.strictObject({ key: z.string().min(1), value: configValue.optional() });

const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** A severity number, or its name (INFO, warn, ERROR2) as the Collector accepts. */
const severityNumber = z.union([z.int().min(0).max(24), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^([A-Za-z]+)([234]?)$/.exec(value.trim());
  const level = match === null ? -1 : SEVERITY_NAMES.indexOf(match[1].toUpperCase());
  if (match === null || level < 0) {
    ctx.addIssue({ code: 'custom', message: `unknown severity "${value}" (a number 1-24, or TRACE, DEBUG, INFO, WARN, ERROR, FATAL with an optional 2-4)` });
    return z.NEVER;
  }
  return level * 4 + (match[2] === '' ? 1 : Number(match[2]));
});

export const matchPropertiesSchema = z.strictObject({
  match_type: z.enum(['strict', 'regexp'], { message: 'match_type must be strict or regexp' }),
  /** Accepted for compatibility; RE2 matching needs no cache. */
  regexp: z.strictObject({ cacheenabled: z.boolean().default(false), cachemaxnumentries: z.int().min(0).default(0) }).optional(),
  services: z.array(z.string()).default([]),
  span_names: z.array(z.string()).default([]),
  span_kinds: z.array(z.string()).default([]),
  log_bodies: z.array(z.string()).default([]),
  log_severity_texts: z.array(z.string()).default([]),
  log_severity_number: z.strictObject({ min: severityNumber, match_undefined: z.boolean().default(false) }).optional(),
  metric_names: z.array(z.string()).default([]),
  attributes: z.array(keyValueMatch).default([]),
  resources: z.array(keyValueMatch).default([]),
  libraries: z.array(z.strictObject({ name: z.string(), version: z.string().optional() })).default([]),
});

export type MatchProperties = z.output<typeof matchPropertiesSchema>;
