import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import type { RequestMetadata } from '../core/metadata.ts';
import type { AnyValue, KeyValue } from '../otlp/types.ts';
import type { ActionConfig, ConfigValue } from './config.ts';

// Attribute actions compiled once into one function over a KeyValue list. The Collector's
// semantics: insert only when absent, update only when present, upsert always; a missing
// from_attribute / from_context source falls back to default_value, else does nothing; hash is
// SHA-1 hex of the value's bytes; extract upserts each named group of a matching string; convert
// leaves a value it cannot convert as it was.

export type AttributeEdit = (attributes: KeyValue[], metadata: RequestMetadata) => void;

export function configToAny(value: ConfigValue): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: BigInt(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(configToAny) } };
  return { kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: configToAny(v) })) } };
}

function find(kvs: readonly KeyValue[], key: string): number {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return i;
  return -1;
}

/** A copy, so one literal is never shared by two items (a later processor may edit values in place). */
function share(value: AnyValue): AnyValue {
  if (value.arrayValue !== undefined) return { arrayValue: { values: value.arrayValue.values.map(share) } };
  if (value.kvlistValue !== undefined) return { kvlistValue: { values: value.kvlistValue.values.map((kv) => ({ key: kv.key, value: share(kv.value) })) } };
  return { ...value };
}

function contextValue(key: string, metadata: RequestMetadata): AnyValue | undefined {
  if (key === 'client.address') return metadata.clientAddress === '' ? undefined : { stringValue: metadata.clientAddress };
  const header = (key.startsWith('metadata.') ? key.slice('metadata.'.length) : key).toLowerCase();
  const value = metadata.headers[header];
  return value === undefined ? undefined : { stringValue: value };
}

const BYTE_TRUE = Uint8Array.of(1);
const BYTE_FALSE = Uint8Array.of(0);

/** SHA-1 hex of a value's bytes, as the Collector hashes: strings as UTF-8, ints and doubles as 8 little-endian bytes. */
export function sha1Value(value: AnyValue): AnyValue {
  let bytes: Uint8Array | undefined;
  if (value.stringValue !== undefined) bytes = Buffer.from(value.stringValue, 'utf8');
  else if (value.boolValue !== undefined) bytes = value.boolValue ? BYTE_TRUE : BYTE_FALSE;
  else if (value.intValue !== undefined) {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt.asUintN(64, value.intValue));
    bytes = buffer;
  } else if (value.doubleValue !== undefined) {
    const buffer = Buffer.alloc(8);
    buffer.writeDoubleLE(value.doubleValue);
    bytes = buffer;
  }
  return { stringValue: bytes === undefined ? '' : createHash('sha1').update(bytes).digest('hex') };
}

function convert(value: AnyValue, to: 'int' | 'double' | 'string'): AnyValue | undefined {
  if (to === 'string') {
    if (value.stringValue !== undefined) return undefined;
    if (value.intValue !== undefined) return { stringValue: value.intValue.toString() };
    if (value.doubleValue !== undefined) return { stringValue: String(value.doubleValue) };
    if (value.boolValue !== undefined) return { stringValue: String(value.boolValue) };
    if (value.bytesValue !== undefined) return { stringValue: Buffer.from(value.bytesValue).toString('base64') };
    return { stringValue: JSON.stringify(plain(value)) };
  }
  if (to === 'int') {
    if (value.intValue !== undefined) return undefined;
    if (value.doubleValue !== undefined) return Number.isFinite(value.doubleValue) ? { intValue: BigInt(Math.trunc(value.doubleValue)) } : undefined;
    if (value.boolValue !== undefined) return { intValue: value.boolValue ? 1n : 0n };
    if (value.stringValue !== undefined && /^[-+]?\d+$/.test(value.stringValue)) {
      const n = BigInt(value.stringValue);
      return n >= -(2n ** 63n) && n < 2n ** 63n ? { intValue: n } : undefined;
    }
    return undefined;
  }
  if (value.doubleValue !== undefined) return undefined;
  if (value.intValue !== undefined) return { doubleValue: Number(value.intValue) };
  if (value.boolValue !== undefined) return { doubleValue: value.boolValue ? 1 : 0 };
  if (value.stringValue !== undefined && value.stringValue.trim() !== '' && !Number.isNaN(Number(value.stringValue))) return { doubleValue: Number(value.stringValue) };
  return undefined;
}

function plain(value: AnyValue): unknown {
  if (value.kvlistValue !== undefined) return Object.fromEntries(value.kvlistValue.values.map((kv) => [kv.key, plain(kv.value)]));
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(plain);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue ?? null;
}

function compileAction(action: ActionConfig): AttributeEdit {
  const key = action.key;
  const pattern = action.pattern === undefined ? undefined : RE2JS.compile(action.pattern);
  switch (action.action) {
    case 'insert':
    case 'update':
    case 'upsert': {
      const k = key as string;
      const mode = action.action;
      const fallback = action.default_value === undefined ? undefined : configToAny(action.default_value);
      let source: (kvs: KeyValue[], metadata: RequestMetadata) => AnyValue | undefined;
      if (action.value !== undefined) {
        const constant = configToAny(action.value);
        source = () => constant;
      } else if (action.from_attribute !== undefined) {
        const from = action.from_attribute;
        source = (kvs) => {
          const at = find(kvs, from);
          return at < 0 ? undefined : kvs[at].value;
        };
      } else if (action.from_context !== undefined) {
        const from = action.from_context;
        source = (_kvs, metadata) => contextValue(from, metadata);
      } else source = () => undefined;
      return (kvs, metadata) => {
        const at = find(kvs, k);
        if ((mode === 'insert' && at >= 0) || (mode === 'update' && at < 0)) return;
        const value = source(kvs, metadata) ?? fallback;
        if (value === undefined) return;
        if (at >= 0) kvs[at].value = share(value);
        else kvs.push({ key: k, value: share(value) });
      };
    }
    case 'delete':
      return (kvs) => {
        let j = 0;
        for (let i = 0; i < kvs.length; i++) {
          const name = kvs[i].key;
          if (name === key || (pattern !== undefined && pattern.test(name))) continue;
          kvs[j++] = kvs[i];
        }
        kvs.length = j;
      };
    case 'hash':
      return (kvs) => {
        for (let i = 0; i < kvs.length; i++) {
          const name = kvs[i].key;
          if (name === key || (pattern !== undefined && pattern.test(name))) kvs[i].value = sha1Value(kvs[i].value);
        }
      };
    case 'extract': {
      const re = pattern as RE2JS;
      const names = Object.entries(re.namedGroups()).sort((a, b) => a[1] - b[1]);
      return (kvs) => {
        const at = find(kvs, key as string);
        const text = at < 0 ? undefined : kvs[at].value.stringValue;
        if (text === undefined) return;
        const matcher = re.matcher(text);
        if (!matcher.find()) return;
        for (const [name, group] of names) {
          const value: AnyValue = { stringValue: matcher.group(group) ?? '' };
          const existing = find(kvs, name);
          if (existing >= 0) kvs[existing].value = value;
          else kvs.push({ key: name, value });
        }
      };
    }
    case 'convert': {
      const to = action.converted_type as 'int' | 'double' | 'string';
      return (kvs) => {
        const at = find(kvs, key as string);
        if (at < 0) return;
        const converted = convert(kvs[at].value, to);
        if (converted !== undefined) kvs[at].value = converted;
      };
    }
  }
}

/** All actions, in order, as one edit. */
export function compileActions(actions: readonly ActionConfig[]): AttributeEdit {
  const edits = actions.map(compileAction);
  if (edits.length === 1) return edits[0];
  return (kvs, metadata) => {
    for (let i = 0; i < edits.length; i++) edits[i](kvs, metadata);
  };
}
