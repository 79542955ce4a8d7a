import type { AnyValue, KeyValue } from '../../otlp/types.ts';
import type { CardinalityLimitConfig } from './config.ts';
import type { PointMerger } from './point-kind.ts';

export const OTHER_VALUE = '__other__';

/** Distinct values seen for one label key of one (tenant, metric), each with its last-seen time. */
export class LabelValueSet {
  readonly key: string;
  readonly limit: number;
  readonly values = new Map<string, number>();
  refused = 0;

  constructor(key: string, limit: number) {
    this.key = key;
    this.limit = limit;
  }
}

/** A series produced by folding label values: many original series merge into it. */
export class LabelTarget {
  readonly attributes: KeyValue[];
  readonly hashA: number;
  readonly hashB: number;
  readonly merger: PointMerger;
  lastSeen = 0;

  constructor(attributes: KeyValue[], hashA: number, hashB: number, merger: PointMerger) {
    this.attributes = attributes;
    this.hashA = hashA;
    this.hashB = hashB;
    this.merger = merger;
  }
}

/** What one stream needs: its limited keys (shared per tenant and metric) and its fold targets. */
export class LabelLimitsOfStream {
  readonly sets: Map<string, LabelValueSet>;
  readonly targets = new Map<number, LabelTarget>();
  /** Targets that received points in the current batch. */
  readonly touched: LabelTarget[] = [];

  constructor(sets: Map<string, LabelValueSet>) {
    this.sets = sets;
  }
}

/** Compiled `label_value_limits`: which keys are limited for which metric, and the shared value sets. */
export class LabelValueLimits {
  readonly dropLabel: boolean;
  readonly #defaults: Map<string, number>;
  readonly #perMetric: Map<string, Map<string, number>>;
  readonly #setsByTenantMetric = new Map<string, Map<string, LabelValueSet>>();

  constructor(config: CardinalityLimitConfig['label_value_limits']) {
    this.dropLabel = config.action === 'drop_label';
    this.#defaults = new Map(Object.entries(config.default));
    this.#perMetric = new Map();
    for (const [metric, limits] of Object.entries(config.metrics)) this.#perMetric.set(metric, new Map(Object.entries(limits)));
  }

  /** Whether any limit is configured at all; when not, the stage is skipped entirely. */
  get configured(): boolean {
    return this.#defaults.size > 0 || this.#perMetric.size > 0;
  }

  forStream(tenant: string, metricName: string): LabelLimitsOfStream | null {
    const overrides = this.#perMetric.get(metricName);
    if (this.#defaults.size === 0 && overrides === undefined) return null;
    const id = `${tenant}\u0000${metricName}`;
    let sets = this.#setsByTenantMetric.get(id);
    if (sets === undefined) {
      sets = new Map();
      for (const [key, limit] of this.#defaults) sets.set(key, new LabelValueSet(key, limit));
      if (overrides !== undefined) for (const [key, limit] of overrides) sets.set(key, new LabelValueSet(key, limit));
      this.#setsByTenantMetric.set(id, sets);
    }
    return new LabelLimitsOfStream(sets);
  }

  /** Forgets values not seen since `cutoff`, so the limit counts recently active values. */
  sweep(cutoff: number): void {
    // The sets themselves stay: streams hold them, and there is one per (tenant, metric, key).
    for (const sets of this.#setsByTenantMetric.values()) {
      for (const set of sets.values()) {
        for (const [value, lastSeen] of set.values) if (lastSeen < cutoff) set.values.delete(value);
      }
    }
  }
}

/** A stable text identity for a label value; strings (the common case) are used as they are. */
export function valueIdentity(value: AnyValue): string {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return `\u0000b${value.boolValue}`;
  if (value.intValue !== undefined) return `\u0000i${value.intValue}`;
  if (value.doubleValue !== undefined) return `\u0000d${value.doubleValue}`;
  return `\u0000j${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
}
