import { createHash } from 'node:crypto';
import type { RE2JS } from 're2js';
import type { KeyValue } from '../otlp/types.ts';
import type { Arg, Getter, MapTarget, SetTarget } from './compile.ts';
import type { EvalContext, PathAccessor } from './context.ts';
import type { CallNode } from './parser.ts';
import { OttlSyntaxError } from './parser.ts';
import { globToRe2, replaceAllGo } from './regex.ts';
import { copyKvs, findKey, formatFloat, fromJson, OttlDuration, OttlRuntimeError, OttlTime, toText, typeName, type Value, ValueMap } from './values.ts';

// The OTTL functions Sluice has, with the Collector's names, parameters and semantics
// (pkg/ottl/ottlfuncs). Editors change data in place; converters return a value. Each `make`
// runs once at compile time with the checked arguments and returns the per-item closure.

export type ParamKind = 'target' | 'map' | 'value' | 'string' | 'stringLiteral' | 'pattern' | 'glob' | 'int' | 'stringList' | 'valueList' | 'funcref';

export interface Param {
  name: string;
  kind: ParamKind;
  optional?: boolean;
  choices?: readonly string[];
}

export interface FunctionSpec {
  kind: 'editor' | 'converter';
  params: readonly Param[];
  returns?: PathAccessor['type'] | 'duration';
  make(args: Arg[], node: CallNode): ((ctx: EvalContext) => void) | Getter;
}

/** Collector functions Sluice does not have yet: named so the error says "not yet", not "unknown". */
export const NOT_YET: ReadonlySet<string> = new Set([
  'append', 'flatten', 'delete_index', 'keep_matching_keys_v2', 'set_semconv_span_name', 'convert_sum_to_gauge', 'convert_gauge_to_sum',
  'extract_count_metric', 'extract_sum_metric', 'extract_percentile_metric', 'convert_summary_count_val_to_sum', 'convert_summary_sum_val_to_sum',
  'convert_summary_quantile_val_to_gauge', 'copy_metric', 'scale_metric', 'aggregate_on_attributes', 'aggregate_on_attribute_value',
  'convert_exponential_histogram_to_histogram', 'merge_histogram_buckets', 'ExtractPatterns', 'ExtractGrokPatterns', 'ParseKeyValue',
  'ParseCSV', 'ParseXML', 'ParseSimplifiedXML', 'ParseCEF', 'ParseCLF', 'ParseELF', 'ParseLEEF', 'ConvertCase', 'Trim', 'TrimPrefix',
  'TrimSuffix', 'Hex', 'FNV', 'MD5', 'Murmur3Hash', 'Murmur3Hash128', 'XXH3', 'XXH128', 'Base64Decode', 'Decode', 'Time', 'FormatTime',
  'UnixMilli', 'UnixMicro', 'UnixNano', 'UnixSeconds', 'TruncateTime', 'Hours', 'Minutes', 'Seconds', 'Milliseconds', 'Microseconds',
  'Nanoseconds', 'Log', 'UUID', 'UserAgent', 'URL', 'IsRootSpan', 'Format', 'Index', 'Keys', 'Values', 'ToKeyValueString', 'ToCamelCase',
  'ToSnakeCase', 'SliceToMap', 'Sort', 'ContainsValue', 'GetXML', 'InsertXML', 'RemoveXML', 'ElementizeAttributesXML',
  'ConvertAttributesToElementsXML', 'ConvertTextToElementsXML', 'HasAttrKeyOnDatapoint', 'HasAttrOnDatapoint', 'HasAttrKeyOnDataPoint',
  'HasAttrOnDataPoint', 'CommunityID', 'IsValidLuhn', 'ProfileID', 'Unix', 'Weekday', 'Year', 'Month', 'Day', 'Hour', 'Minute', 'Second',
]);

function map(arg: Arg): MapTarget {
  return arg as MapTarget;
}

function needMap(target: MapTarget, ctx: EvalContext): KeyValue[] {
  const kvs = target(ctx);
  if (kvs === undefined) throw new OttlRuntimeError('the target is not a map');
  return kvs;
}

/** Keeps the entries for which keep(i) holds, in order, in the same array. */
function filterInPlace(kvs: KeyValue[], keep: (kv: KeyValue) => boolean): void {
  let j = 0;
  for (let i = 0; i < kvs.length; i++) if (keep(kvs[i])) kvs[j++] = kvs[i];
  kvs.length = j;
}

function replacementFunction(args: Arg[], node: CallNode, at: number): void {
  if (args[at] !== undefined || args[at + 1] !== undefined) {
    throw new OttlSyntaxError('the optional function and replacementFormat arguments are not supported yet', node.at.offset, node.at.length);
  }
}

/** Truncates to at most limit characters (code points), never splitting one. */
function truncate(s: string, limit: number): string {
  if (s.length <= limit) return s;
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    if (count === limit) return s.slice(0, i);
    const code = s.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) i++;
    count++;
  }
  return s;
}

/** A converter of one value: `fn` runs on it per item. */
function oneValue(returns: FunctionSpec['returns'], fn: (value: Value) => Value): FunctionSpec {
  return {
    kind: 'converter',
    returns,
    params: [{ name: 'value', kind: 'value' }],
    make([value]) {
      const get = value as Getter;
      return (ctx) => fn(get(ctx));
    },
  };
}

function needString(fn: string, value: Value): string {
  if (typeof value !== 'string') throw new OttlRuntimeError(`${fn} needs a string, not ${typeName(value)}`);
  return value;
}

/** The optional arguments of the replace functions, refused when given (see replacementFunction). */
const REPLACEMENT_FUNCTION: readonly Param[] = [
  { name: 'function', kind: 'funcref', optional: true },
  { name: 'replacementFormat', kind: 'stringLiteral', optional: true },
];

/** delete_matching_keys (keep = false) and keep_matching_keys (keep = true). */
function matchingKeys(keep: boolean): FunctionSpec {
  return {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'pattern', kind: 'pattern' },
    ],
    make([target, pattern]) {
      const t = map(target);
      const re = pattern as RE2JS;
      return (ctx) => filterInPlace(needMap(t, ctx), (kv) => re.test(kv.key) === keep);
    },
  };
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** Go's time.ParseDuration: "1h30m", "250ms", "-1.5s". */
export function parseGoDuration(text: string): bigint | undefined {
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.test(text) ? text : undefined;
  if (match === undefined) return text === '0' ? 0n : undefined;
  const sign = text.startsWith('-') ? -1n : 1n;
  let total = 0n;
  for (const [, number, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    const [whole, fraction = ''] = number.split('.');
    const scale = UNITS[unit];
    total += BigInt(whole || '0') * scale;
    if (fraction !== '') total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
  }
  return sign * total;
}

function replaceAllMatches(target: MapTarget, glob: RE2JS, replacement: Getter) {
  return (ctx: EvalContext) => {
    const kvs = needMap(target, ctx);
    let text: Value | undefined;
    for (let i = 0; i < kvs.length; i++) {
      const s = kvs[i].value.stringValue;
      if (s !== undefined && glob.matches(s)) {
        text ??= replacement(ctx);
        if (typeof text === 'string') kvs[i].value = { stringValue: text };
      }
    }
  };
}

export const FUNCTIONS: Record<string, FunctionSpec> = {
  // ---- editors ----
  set: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'target' },
      { name: 'value', kind: 'value' },
    ],
    make([target, value], node) {
      const t = target as SetTarget & { type: string };
      checkAssignable(t.type, value as Getter, node);
      const get = value as Getter;
      // Setting nil does nothing, as in the Collector.
      return (ctx) => {
        const v = get(ctx);
        if (v !== null) t.set(ctx, v);
      };
    },
  },
  delete_key: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'key', kind: 'string' },
    ],
    make([target, key]) {
      const t = map(target);
      const k = key as Getter;
      return (ctx) => {
        const kvs = needMap(t, ctx);
        const name = k(ctx);
        const at = typeof name === 'string' ? findKey(kvs, name) : -1;
        if (at >= 0) kvs.splice(at, 1);
      };
    },
  },
  delete_matching_keys: matchingKeys(false),
  keep_keys: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'keys', kind: 'stringList' },
    ],
    make([target, keys]) {
      const t = map(target);
      const keep = new Set(keys as string[]);
      return (ctx) => filterInPlace(needMap(t, ctx), (kv) => keep.has(kv.key));
    },
  },
  keep_matching_keys: matchingKeys(true),
  limit: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'limit', kind: 'int' },
      { name: 'priority_keys', kind: 'stringList' },
    ],
    make([target, limit, priority], node) {
      const t = map(target);
      const max = Number(limit as bigint);
      const keys = new Set(priority as string[]);
      if (keys.size > max) throw new OttlSyntaxError(`limit: ${keys.size} priority keys do not fit a limit of ${max}`, node.at.offset, node.at.length);
      return (ctx) => {
        const kvs = needMap(t, ctx);
        if (kvs.length <= max) return;
        // Priority keys first, then the earliest others, so what survives does not depend on chance.
        let room = max;
        for (const kv of kvs) if (keys.has(kv.key)) room--;
        filterInPlace(kvs, (kv) => keys.has(kv.key) || room-- > 0);
      };
    },
  },
  truncate_all: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'limit', kind: 'int' },
    ],
    make([target, limit]) {
      const t = map(target);
      const max = Number(limit as bigint);
      return (ctx) => {
        const kvs = needMap(t, ctx);
        for (let i = 0; i < kvs.length; i++) {
          const s = kvs[i].value.stringValue;
          if (s !== undefined && s.length > max) kvs[i].value = { stringValue: truncate(s, max) };
        }
      };
    },
  },
  replace_pattern: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'target' },
      { name: 'regex', kind: 'pattern' },
      { name: 'replacement', kind: 'string' },
      ...REPLACEMENT_FUNCTION,
    ],
    make([target, regex, replacement, ...rest], node) {
      replacementFunction(rest, node, 0);
      const t = target as SetTarget;
      const re = regex as RE2JS;
      const repl = replacement as Getter;
      return (ctx) => {
        const value = t.get(ctx);
        if (typeof value !== 'string') return;
        const template = repl(ctx);
        if (typeof template !== 'string') return;
        const next = replaceAllGo(re, value, template);
        if (next !== value) t.set(ctx, next);
      };
    },
  },
  replace_all_patterns: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'mode', kind: 'stringLiteral', choices: ['key', 'value'] },
      { name: 'regex', kind: 'pattern' },
      { name: 'replacement', kind: 'string' },
      ...REPLACEMENT_FUNCTION,
    ],
    make([target, mode, regex, replacement, ...rest], node) {
      replacementFunction(rest, node, 0);
      const t = map(target);
      const re = regex as RE2JS;
      const repl = replacement as Getter;
      const byKey = mode === 'key';
      return (ctx) => {
        const kvs = needMap(t, ctx);
        const template = repl(ctx);
        if (typeof template !== 'string') return;
        for (let i = 0; i < kvs.length; i++) {
          if (byKey) {
            const key = replaceAllGo(re, kvs[i].key, template);
            if (key !== kvs[i].key) kvs[i] = { key, value: kvs[i].value };
          } else {
            const s = kvs[i].value.stringValue;
            if (s === undefined) continue;
            const next = replaceAllGo(re, s, template);
            if (next !== s) kvs[i].value = { stringValue: next };
          }
        }
      };
    },
  },
  replace_match: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'target' },
      { name: 'pattern', kind: 'glob' },
      { name: 'replacement', kind: 'string' },
      ...REPLACEMENT_FUNCTION,
    ],
    make([target, pattern, replacement, ...rest], node) {
      replacementFunction(rest, node, 0);
      const t = target as SetTarget;
      const glob = compileGlob(pattern as string, node);
      const repl = replacement as Getter;
      return (ctx) => {
        const value = t.get(ctx);
        if (typeof value !== 'string' || !glob.matches(value)) return;
        const text = repl(ctx);
        if (typeof text === 'string') t.set(ctx, text);
      };
    },
  },
  replace_all_matches: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'pattern', kind: 'glob' },
      { name: 'replacement', kind: 'string' },
      ...REPLACEMENT_FUNCTION,
    ],
    make([target, pattern, replacement, ...rest], node) {
      replacementFunction(rest, node, 0);
      return replaceAllMatches(map(target), compileGlob(pattern as string, node), replacement as Getter);
    },
  },
  merge_maps: {
    kind: 'editor',
    params: [
      { name: 'target', kind: 'map' },
      { name: 'source', kind: 'value' },
      { name: 'strategy', kind: 'stringLiteral', choices: ['insert', 'update', 'upsert'] },
    ],
    make([target, source, strategy]) {
      const t = map(target);
      const get = source as Getter;
      const mode = strategy as string;
      return (ctx) => {
        const from = get(ctx);
        if (!(from instanceof ValueMap)) throw new OttlRuntimeError(`merge_maps: the source is ${typeName(from)}, not a map`);
        const kvs = needMap(t, ctx);
        const add = copyKvs(from.kvs);
        for (const kv of add) {
          const at = findKey(kvs, kv.key);
          if (at >= 0 && mode !== 'insert') kvs[at].value = kv.value;
          else if (at < 0 && mode !== 'update') kvs.push(kv);
        }
      };
    },
  },

  // ---- converters ----
  IsMatch: {
    kind: 'converter',
    returns: 'bool',
    params: [
      { name: 'target', kind: 'value' },
      { name: 'pattern', kind: 'pattern' },
    ],
    make([target, pattern]) {
      const get = target as Getter;
      const re = pattern as RE2JS;
      return (ctx) => {
        const value = get(ctx);
        if (typeof value === 'string') return re.test(value);
        if (value === null) return false;
        if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return re.test(toText(value));
        throw new OttlRuntimeError(`IsMatch needs a string, not ${typeName(value)}`);
      };
    },
  },
  Concat: {
    kind: 'converter',
    returns: 'string',
    params: [
      { name: 'vals', kind: 'valueList' },
      { name: 'delimiter', kind: 'string' },
    ],
    make([vals, delimiter]) {
      const getters = vals as Getter[];
      const delim = delimiter as Getter;
      return (ctx) => {
        const sep = delim(ctx);
        const parts: string[] = [];
        for (let i = 0; i < getters.length; i++) {
          const value = getters[i](ctx);
          // Lists and maps are left out, as in the Collector; nil prints as Go prints it.
          if (value === null) parts.push('<nil>');
          else if (!Array.isArray(value) && !(value instanceof ValueMap)) parts.push(toText(value));
        }
        return parts.join(typeof sep === 'string' ? sep : '');
      };
    },
  },
  Split: {
    kind: 'converter',
    returns: 'list',
    params: [
      { name: 'target', kind: 'value' },
      { name: 'delimiter', kind: 'stringLiteral' },
    ],
    make([target, delimiter]) {
      const get = target as Getter;
      const sep = delimiter as string;
      return (ctx) => {
        const value = get(ctx);
        if (typeof value !== 'string') throw new OttlRuntimeError(`Split needs a string, not ${typeName(value)}`);
        return value.split(sep);
      };
    },
  },
  SHA256: oneValue('string', (v) => createHash('sha256').update(needString('SHA256', v)).digest('hex')),
  SHA1: oneValue('string', (v) => createHash('sha1').update(needString('SHA1', v)).digest('hex')),
  SHA512: oneValue('string', (v) => createHash('sha512').update(needString('SHA512', v)).digest('hex')),
  Int: oneValue('int', (v) => {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return BigInt(v.trim());
    return null;
  }),
  Double: oneValue('float', (v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return null;
  }),
  String: oneValue('string', (v) => (v === null ? null : typeof v === 'number' ? formatFloat(v) : toText(v))),
  ParseJSON: oneValue('any', (v) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(needString('ParseJSON', v));
    } catch (error) {
      if (error instanceof OttlRuntimeError) throw error;
      throw new OttlRuntimeError('ParseJSON: the target is not valid JSON');
    }
    return fromJson(parsed);
  }),
  Len: oneValue('int', (v) => {
    if (typeof v === 'string') return BigInt([...v].length);
    if (Array.isArray(v)) return BigInt(v.length);
    if (v instanceof ValueMap) return BigInt(v.kvs.length);
    throw new OttlRuntimeError(`Len needs a string, list or map, not ${typeName(v)}`);
  }),
  IsString: oneValue('bool', (v) => typeof v === 'string'),
  IsInt: oneValue('bool', (v) => typeof v === 'bigint'),
  IsDouble: oneValue('bool', (v) => typeof v === 'number'),
  IsBool: oneValue('bool', (v) => typeof v === 'boolean'),
  IsMap: oneValue('bool', (v) => v instanceof ValueMap),
  IsList: oneValue('bool', (v) => Array.isArray(v)),
  ToLowerCase: oneValue('string', (v) => needString('ToLowerCase', v).toLowerCase()),
  ToUpperCase: oneValue('string', (v) => needString('ToUpperCase', v).toUpperCase()),
  Substring: {
    kind: 'converter',
    returns: 'string',
    params: [
      { name: 'target', kind: 'value' },
      { name: 'start', kind: 'int' },
      { name: 'length', kind: 'int' },
    ],
    make([target, start, length]) {
      const get = target as Getter;
      const from = Number(start as bigint);
      const count = Number(length as bigint);
      return (ctx) => {
        const v = get(ctx);
        if (typeof v !== 'string') throw new OttlRuntimeError(`Substring needs a string, not ${typeName(v)}`);
        if (from + count > v.length) throw new OttlRuntimeError('Substring: start + length is past the end of the string');
        return v.slice(from, from + count);
      };
    },
  },
  Duration: oneValue('duration', (v) => {
    const ns = typeof v === 'string' ? parseGoDuration(v) : undefined;
    if (ns === undefined) throw new OttlRuntimeError(`Duration: "${String(v)}" is not a duration such as "1h30m" or "250ms"`);
    return new OttlDuration(ns);
  }),
  Now: {
    kind: 'converter',
    returns: 'time',
    params: [],
    make() {
      return () => new OttlTime(BigInt(Date.now()) * 1_000_000n);
    },
  },
  TraceID: bytesConverter(16, 'TraceID'),
  SpanID: bytesConverter(8, 'SpanID'),
};

function bytesConverter(size: number, name: string): FunctionSpec {
  return {
    kind: 'converter',
    returns: 'bytes',
    params: [{ name: 'bytes', kind: 'value' }],
    make([value], node) {
      const arg = node.args[0]?.value;
      if (arg?.type === 'literal' && (!(arg.value instanceof Uint8Array) || arg.value.length !== size)) {
        throw new OttlSyntaxError(`${name} needs exactly ${size} bytes, such as 0x${'00'.repeat(size)}`, arg.at.offset, arg.at.length);
      }
      const get = value as Getter;
      return (ctx) => get(ctx);
    },
  };
}

function compileGlob(pattern: string, node: CallNode): RE2JS {
  try {
    return globToRe2(pattern);
  } catch (error) {
    throw new OttlSyntaxError(`invalid pattern: ${(error as Error).message}`, node.at.offset, node.at.length);
  }
}

/** A literal of the wrong type set into a typed field is a config error, not a silent no-op. */
function checkAssignable(targetType: string, value: Getter, node: CallNode): void {
  const arg = node.args[1]?.value;
  if (arg === undefined || arg.type !== 'literal' || targetType === 'any' || arg.value === null) return;
  const literal = arg.value;
  const type = typeof literal === 'string' ? 'string' : typeof literal === 'bigint' ? 'int' : typeof literal === 'number' ? 'float' : typeof literal === 'boolean' ? 'bool' : 'bytes';
  if (type !== targetType) {
    throw new OttlSyntaxError(`set: the target holds ${targetType === 'int' ? 'an int' : `a ${targetType}`}, the value is ${type === 'int' ? 'an int' : `a ${type}`}`, arg.at.offset, arg.at.length);
  }
  void value;
}

