import { RE2JS } from 're2js';
import type { AnyValue, InstrumentationScope, KeyValue, LogRecord, Metric, Resource, Span } from '../otlp/types.ts';
import type { Signal } from '../otlp/types.ts';
import { configToAny } from './actions.ts';
import type { ConfigValue, MatchProperties } from './config.ts';

// include / exclude, compiled once per signal. Every property given must match (AND); within a
// list, one entry is enough (OR), except attributes and resources, where every listed key must
// match. `regexp` entries are RE2 and match anywhere in the value, as Go's MatchString does.

export interface MatchSubject {
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  span: Span | undefined;
  log: LogRecord | undefined;
  metric: Metric | undefined;
}

type Test = (subject: MatchSubject) => boolean;

const VALID: Record<Signal, ReadonlySet<string>> = {
  traces: new Set(['services', 'span_names', 'span_kinds', 'attributes', 'resources', 'libraries']),
  logs: new Set(['log_bodies', 'log_severity_texts', 'log_severity_number', 'attributes', 'resources', 'libraries']),
  metrics: new Set(['metric_names', 'resources']),
};

const LIST_PROPERTIES = ['services', 'span_names', 'span_kinds', 'log_bodies', 'log_severity_texts', 'metric_names', 'attributes', 'resources', 'libraries'] as const;

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const KIND_SHORT = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

/** Problems with properties that do not apply to the signal; empty when the config is usable. */
export function matchProblems(props: MatchProperties, signal: Signal): string[] {
  const problems: string[] = [];
  let any = false;
  for (const name of LIST_PROPERTIES) {
    if (props[name].length === 0) continue;
    any = true;
    if (!VALID[signal].has(name)) problems.push(`${name} does not apply to ${signal}`);
  }
  if (props.log_severity_number !== undefined) {
    any = true;
    if (!VALID[signal].has('log_severity_number')) problems.push(`log_severity_number does not apply to ${signal}`);
  }
  if (!any) problems.push(`give at least one of ${[...VALID[signal]].join(', ')}`);
  if (props.match_type === 'regexp') {
    for (const name of ['services', 'span_names', 'span_kinds', 'log_bodies', 'log_severity_texts', 'metric_names'] as const) {
      for (const pattern of props[name]) {
        try {
          RE2JS.compile(pattern);
        } catch (error) {
          problems.push(`${name}: invalid RE2 pattern "${pattern}": ${(error as Error).message}`);
        }
      }
    }
  }
  return problems;
}

function stringTest(values: readonly string[], regexp: boolean): (text: string) => boolean {
  if (!regexp) {
    const set = new Set(values);
    return (text) => set.has(text);
  }
  const patterns = values.map((v) => RE2JS.compile(v));
  return (text) => {
    for (let i = 0; i < patterns.length; i++) if (patterns[i].test(text)) return true;
    return false;
  };
}

function text(value: AnyValue): string | undefined {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return value.intValue.toString();
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  return undefined;
}

function sameValue(a: AnyValue, b: AnyValue): boolean {
  if (b.stringValue !== undefined) return a.stringValue === b.stringValue;
  if (b.intValue !== undefined) return a.intValue === b.intValue || (a.doubleValue !== undefined && a.doubleValue === Number(b.intValue));
  if (b.doubleValue !== undefined) return a.doubleValue === b.doubleValue || (a.intValue !== undefined && Number(a.intValue) === b.doubleValue);
  if (b.boolValue !== undefined) return a.boolValue === b.boolValue;
  return JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function attributesTest(entries: ReadonlyArray<{ key: string; value?: ConfigValue }>, regexp: boolean): (kvs: readonly KeyValue[] | undefined) => boolean {
  const checks = entries.map((entry) => {
    const key = entry.key;
    if (entry.value === undefined) return (kvs: readonly KeyValue[]) => kvs.some((kv) => kv.key === key);
    if (regexp) {
      const re = RE2JS.compile(String(entry.value));
      return (kvs: readonly KeyValue[]) => {
        const kv = kvs.find((k) => k.key === key);
        const t = kv === undefined ? undefined : text(kv.value);
        return t !== undefined && re.test(t);
      };
    }
    const want = configToAny(entry.value);
    return (kvs: readonly KeyValue[]) => {
      const kv = kvs.find((k) => k.key === key);
      return kv !== undefined && sameValue(kv.value, want);
    };
  });
  return (kvs) => {
    const list = kvs ?? [];
    for (let i = 0; i < checks.length; i++) if (!checks[i](list)) return false;
    return true;
  };
}

function serviceName(resource: Resource | undefined): string | undefined {
  const kv = resource?.attributes.find((a) => a.key === 'service.name');
  return kv?.value.stringValue;
}

/** One include or exclude block as a test; throws with the first problem when it does not apply to the signal. */
export function compileMatch(props: MatchProperties, signal: Signal): Test {
  const problems = matchProblems(props, signal);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const regexp = props.match_type === 'regexp';
  const tests: Test[] = [];
  if (props.services.length > 0) {
    const t = stringTest(props.services, regexp);
    tests.push((s) => {
      const name = serviceName(s.resource);
      return name !== undefined && t(name);
    });
  }
  if (props.span_names.length > 0) {
    const t = stringTest(props.span_names, regexp);
    tests.push((s) => s.span !== undefined && t(s.span.name));
  }
  if (props.span_kinds.length > 0) {
    const t = stringTest(props.span_kinds, regexp);
    tests.push((s) => s.span !== undefined && (t(KIND_NAMES[s.span.kind] ?? '') || t(KIND_SHORT[s.span.kind] ?? '')));
  }
  if (props.log_bodies.length > 0) {
    const t = stringTest(props.log_bodies, regexp);
    tests.push((s) => s.log?.body?.stringValue !== undefined && t(s.log.body.stringValue));
  }
  if (props.log_severity_texts.length > 0) {
    const t = stringTest(props.log_severity_texts, regexp);
    tests.push((s) => s.log !== undefined && t(s.log.severityText));
  }
  if (props.log_severity_number !== undefined) {
    const { min, match_undefined } = props.log_severity_number;
    tests.push((s) => s.log !== undefined && (s.log.severityNumber === 0 ? match_undefined : s.log.severityNumber >= min));
  }
  if (props.metric_names.length > 0) {
    const t = stringTest(props.metric_names, regexp);
    tests.push((s) => s.metric !== undefined && t(s.metric.name));
  }
  if (props.attributes.length > 0) {
    const t = attributesTest(props.attributes, regexp);
    tests.push((s) => t(s.span?.attributes ?? s.log?.attributes));
  }
  if (props.resources.length > 0) {
    const t = attributesTest(props.resources, regexp);
    tests.push((s) => t(s.resource?.attributes));
  }
  if (props.libraries.length > 0) {
    const libs = props.libraries.map((lib) => ({
      name: stringTest([lib.name], regexp),
      version: lib.version === undefined ? undefined : stringTest([lib.version], regexp),
    }));
    tests.push((s) => {
      const name = s.scope?.name ?? '';
      const version = s.scope?.version ?? '';
      return libs.some((lib) => lib.name(name) && (lib.version === undefined || lib.version(version)));
    });
  }
  return (s) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i](s)) return false;
    return true;
  };
}

/** Whether an item should be processed, from include and exclude; undefined when neither is set. */
export function compileIncludeExclude(include: MatchProperties | undefined, exclude: MatchProperties | undefined, signal: Signal): Test | undefined {
  if (include === undefined && exclude === undefined) return undefined;
  const inc = include === undefined ? undefined : compileMatch(include, signal);
  const exc = exclude === undefined ? undefined : compileMatch(exclude, signal);
  return (s) => (inc === undefined || inc(s)) && (exc === undefined || !exc(s));
}
