import { metricPoints, modelOf } from './model.ts';
import type { Metric, RequestBySignal, Signal } from './types.ts';

/** Items as the Collector counts them: spans, metric data points (every kind), log records. */
export function countItems<S extends Signal>(signal: S, req: RequestBySignal[S]): number {
  const model = modelOf(signal);
  const entries = model.entries(req);
  let n = 0;
  for (let i = 0; i < entries.length; i++) {
    const scopes = model.scopes(entries[i]);
    for (let j = 0; j < scopes.length; j++) {
      const items = model.items(scopes[j]);
      if (signal !== 'metrics') n += items.length;
      else for (let k = 0; k < items.length; k++) n += metricPoints(items[k] as Metric).length;
    }
  }
  return n;
}
