import type { AnyValue, KeyValue } from '../../otlp/types.ts';

// Stable text forms of values and attribute sets: a blocked non-string value hashes the same in
// every signal, and metric points compare by attribute set regardless of attribute order.

export function canonicalText(value: AnyValue): string {
  if (value.stringValue !== undefined) return value.stringValue;
  return canonicalNested(value);
}

function canonicalNested(value: AnyValue): string {
  if (value.stringValue !== undefined) return JSON.stringify(value.stringValue);
  if (value.intValue !== undefined) return value.intValue.toString();
  if (value.doubleValue !== undefined) return 'd' + String(value.doubleValue);
  if (value.boolValue !== undefined) return value.boolValue ? 'true' : 'false';
  if (value.bytesValue !== undefined) return 'b' + Buffer.from(value.bytesValue).toString('base64');
  if (value.arrayValue !== undefined) return '[' + value.arrayValue.values.map(canonicalNested).join(',') + ']';
  if (value.kvlistValue !== undefined) return canonicalAttributes(value.kvlistValue.values);
  return 'null';
}

/** `{"key":value,…}` with keys sorted. */
export function canonicalAttributes(attributes: readonly KeyValue[]): string {
  const parts = new Array<string>(attributes.length);
  for (let i = 0; i < attributes.length; i++) {
    parts[i] = JSON.stringify(attributes[i].key) + ':' + canonicalNested(attributes[i].value);
  }
  parts.sort();
  return '{' + parts.join(',') + '}';
}
