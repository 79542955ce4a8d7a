import type { AnyValue, KeyValue } from '../otlp/types.ts';

// OTTL's runtime values. Ints are bigints (int64, as in the data model) and floats are numbers,
// because OTTL keeps the two apart (`Int(1.9)`, int-vs-float comparisons). A map is a view over
// the KeyValue list it came from, so `attributes` handed to `delete_key` is the span's own list.

export class ValueMap {
  readonly kvs: KeyValue[];
  constructor(kvs: KeyValue[]) {
    this.kvs = kvs;
  }
}

/** A point in time, in Unix nanoseconds (`start_time`, `Now()`). */
export class OttlTime {
  readonly ns: bigint;
  constructor(ns: bigint) {
    this.ns = ns;
  }
}

/** A length of time in nanoseconds (`end_time - start_time`, `Duration("3s")`). */
export class OttlDuration {
  readonly ns: bigint;
  constructor(ns: bigint) {
    this.ns = ns;
  }
}

export type Value = null | string | boolean | number | bigint | Uint8Array | Value[] | ValueMap | OttlTime | OttlDuration;

/** A runtime failure of one statement; error_mode decides what happens to it. */
export class OttlRuntimeError extends Error {}

export function findKey(kvs: readonly KeyValue[], key: string): number {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return i;
  return -1;
}

export function fromAny(value: AnyValue | undefined): Value {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return value.intValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.kvlistValue !== undefined) return new ValueMap(value.kvlistValue.values);
  if (value.arrayValue !== undefined) {
    const values = value.arrayValue.values;
    const out: Value[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = fromAny(values[i]);
    return out;
  }
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

/** The AnyValue for a value; maps and lists are copied so later edits of one never show in the other. */
export function toAny(value: Value): AnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value };
    case 'number':
      return { doubleValue: value };
  }
  if (value === null) return {};
  if (value instanceof Uint8Array) return { bytesValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toAny) } };
  if (value instanceof ValueMap) return { kvlistValue: { values: copyKvs(value.kvs) } };
  if (value instanceof OttlTime || value instanceof OttlDuration) return { intValue: value.ns };
  return {};
}

export function copyAny(value: AnyValue): AnyValue {
  if (value.kvlistValue !== undefined) return { kvlistValue: { values: copyKvs(value.kvlistValue.values) } };
  if (value.arrayValue !== undefined) return { arrayValue: { values: value.arrayValue.values.map(copyAny) } };
  return { ...value };
}

export function copyKvs(kvs: readonly KeyValue[]): KeyValue[] {
  const out: KeyValue[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) out[i] = { key: kvs[i].key, value: copyAny(kvs[i].value) };
  return out;
}

/** Sets key in a KeyValue list, replacing an existing entry in place (the list keeps its order). */
export function putKey(kvs: KeyValue[], key: string, value: AnyValue): void {
  const at = findKey(kvs, key);
  if (at >= 0) kvs[at].value = value;
  else kvs.push({ key, value });
}

export function typeName(value: Value): string {
  if (value === null) return 'nil';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
  }
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  if (value instanceof ValueMap) return 'map';
  if (value instanceof OttlTime) return 'time';
  return 'duration';
}

/** The text `String()` and `Concat` make of a value, as the Collector prints it. */
export function toText(value: Value): string {
  if (value === null) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return formatFloat(value);
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return JSON.stringify(toJson(value));
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest decimal, never an exponent. */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

export function toJson(value: Value): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof ValueMap) {
    const out: Record<string, unknown> = {};
    for (const kv of value.kvs) out[kv.key] = toJson(fromAny(kv.value));
    return out;
  }
  return Number(value.ns);
}

/** JSON → value, as ParseJSON makes it: every number is a float, objects are maps. */
export function fromJson(json: unknown): Value {
  if (json === null || typeof json === 'string' || typeof json === 'boolean' || typeof json === 'number') return json;
  if (Array.isArray(json)) return json.map(fromJson);
  const kvs: KeyValue[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) kvs.push({ key, value: toAny(fromJson(value)) });
  return new ValueMap(kvs);
}

// ---- comparisons (OTTL LANGUAGE.md): values of different types are never equal and never ordered ----

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export function compare(a: Value, b: Value, op: CompareOp): boolean {
  const order = ordering(a, b);
  switch (op) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order === -1;
    case '<=':
      return order === -1 || order === 0;
    case '>':
      return order === 1;
    case '>=':
      return order === 1 || order === 0;
  }
}

/** -1, 0, 1; 2 when the values are comparable only for (in)equality and differ; NaN when incomparable. */
function ordering(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : Number.NaN;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'bigint' || ta === 'number') && (tb === 'bigint' || tb === 'number')) {
    if (ta === tb) return a < b ? -1 : a > b ? 1 : 0;
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN;
  }
  if (ta === 'string' && tb === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (ta === 'boolean' && tb === 'boolean') return a === b ? 0 : 2;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Math.sign(Buffer.compare(a, b));
  if ((a instanceof OttlTime && b instanceof OttlTime) || (a instanceof OttlDuration && b instanceof OttlDuration)) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  if (a instanceof ValueMap && b instanceof ValueMap) return mapsEqual(a.kvs, b.kvs) ? 0 : 2;
  if (Array.isArray(a) && Array.isArray(b)) return listsEqual(a, b) ? 0 : 2;
  return Number.NaN;
}

function listsEqual(a: Value[], b: Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (ordering(a[i], b[i]) !== 0) return false;
  return true;
}

function mapsEqual(a: KeyValue[], b: KeyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (const kv of a) {
    const at = findKey(b, kv.key);
    if (at < 0 || ordering(fromAny(kv.value), fromAny(b[at].value)) !== 0) return false;
  }
  return true;
}
