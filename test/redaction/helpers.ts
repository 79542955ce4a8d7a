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

/** A seeded generator (mulberry32): next(n) is an integer in [0, n), so a failure names a reproducible input. */
export function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
