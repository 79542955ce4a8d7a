import type { ColocationKey } from '../core/component.ts';
import { METRIC_NAME_RULE, RouteBy, traceIdRule, type PartitionRule } from '../otlp/proto/partition.ts';
import type { Signal } from '../otlp/types.ts';

/** How a component's `colocate` key reads on the bytes of `signal`; undefined when it keeps nothing together for it. */
export function colocationRule(signal: Signal, colocate: Partial<Record<Signal, ColocationKey>> | undefined): PartitionRule | undefined {
  switch (colocate?.[signal]) {
    case undefined:
      return undefined;
    case 'service':
      return { by: RouteBy.Service, itemField: 0 };
    case 'metric_name':
      return METRIC_NAME_RULE;
    case 'trace_id':
      return signal === 'metrics' ? undefined : traceIdRule(signal);
  }
}
