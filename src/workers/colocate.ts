import type { ProcessorFactory } from '../core/component.ts';
import { METRIC_NAME_RULE, traceIdRule, type PartitionRule } from '../otlp/proto/partition.ts';
import type { Signal } from '../otlp/types.ts';

/** How a processor's `colocate` key reads on the bytes of `signal`; undefined when it keeps nothing together for it. */
export function colocationRule(signal: Signal, factory: ProcessorFactory): PartitionRule | undefined {
  const key = factory.colocate?.[signal];
  if (key === undefined) return undefined;
  if (key === 'metric_name') return METRIC_NAME_RULE;
  return signal === 'metrics' ? undefined : traceIdRule(signal);
}
