import { createRedactor, redactionConfigSchema, type RedactionConfigInput, type Redactor } from '../../src/processors/redaction/index.ts';
import type { AnyValue, KeyValue } from '../../src/otlp/types.ts';

export function redactorWith(config: RedactionConfigInput = {}, env: NodeJS.ProcessEnv = {}): Redactor {
  return createRedactor(redactionConfigSchema.parse(config), env);
}

export function str(value: string): AnyValue {
  return { stringValue: value };
}

export function kv(key: string, value: AnyValue | string): KeyValue {
  return { key, value: typeof value === 'string' ? str(value) : value };
}

export function attrs(list: KeyValue[]): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const item of list) out[item.key] = item.value;
  return out;
}
