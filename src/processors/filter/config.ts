import { z } from 'zod';
import type { ContextName } from '../../ottl/index.ts';
import { compileGroup, errorModeSchema, type GroupSource } from '../../ottl/program.ts';
import type { Signal } from '../../otlp/types.ts';

// The Collector's filterprocessor config, OTTL form: per signal and context, conditions that drop
// an item when any holds; or `trace_conditions` / `metric_conditions` / `log_conditions`, whose
// contexts are inferred from the path prefixes. The older include/exclude form is refused with
// a message saying what to write instead.

const conditions = z.array(z.string()).default([]);
const LEGACY = 'the include/exclude form of the filter processor is not supported; write OTTL conditions instead (traces.span: [\'name == "health"\'])';
const legacy = z.unknown().optional();

export const filterConfigSchema = z
  .strictObject({
    error_mode: errorModeSchema.default('propagate'),
    traces: z.strictObject({ resource: conditions, span: conditions, spanevent: conditions, include: legacy, exclude: legacy }).optional(),
    metrics: z.strictObject({ resource: conditions, metric: conditions, datapoint: conditions, include: legacy, exclude: legacy }).optional(),
    logs: z.strictObject({ resource: conditions, log_record: conditions, include: legacy, exclude: legacy }).optional(),
    spans: legacy,
    trace_conditions: conditions,
    metric_conditions: conditions,
    log_conditions: conditions,
  })
  .superRefine((config, ctx) => {
    for (const [path, value] of [
      [['spans'], config.spans],
      [['traces', 'include'], config.traces?.include],
      [['traces', 'exclude'], config.traces?.exclude],
      [['metrics', 'include'], config.metrics?.include],
      [['metrics', 'exclude'], config.metrics?.exclude],
      [['logs', 'include'], config.logs?.include],
      [['logs', 'exclude'], config.logs?.exclude],
    ] as Array<[string[], unknown]>) {
      if (value !== undefined) ctx.addIssue({ code: 'custom', path, message: LEGACY });
    }
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      for (const source of conditionSources(config, signal)) {
        for (const problem of compileGroup('condition', signal, source).problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      }
    }
  });

export type FilterConfig = z.output<typeof filterConfigSchema>;

const SECTION = { traces: 'traces', metrics: 'metrics', logs: 'logs' } as const;
const INFERRED = { traces: 'trace_conditions', metrics: 'metric_conditions', logs: 'log_conditions' } as const;
/** Config key → context, in the order the Collector evaluates them (outermost first). */
const CONTEXT_KEYS: Record<Signal, Array<[string, ContextName]>> = {
  traces: [['resource', 'resource'], ['span', 'span'], ['spanevent', 'spanevent']],
  metrics: [['resource', 'resource'], ['metric', 'metric'], ['datapoint', 'datapoint']],
  logs: [['resource', 'resource'], ['log_record', 'log']],
};

/** One group per configured context, then one per inferred condition. */
export function conditionSources(config: FilterConfig, signal: Signal): GroupSource[] {
  const out: GroupSource[] = [];
  const section = config[SECTION[signal]] as Record<string, string[] | undefined> | undefined;
  if (section !== undefined) {
    for (const [key, context] of CONTEXT_KEYS[signal]) {
      const texts = section[key] ?? [];
      if (texts.length > 0) out.push({ path: [SECTION[signal], key], texts, context });
    }
  }
  const inferred = config[INFERRED[signal]];
  inferred.forEach((text, i) => out.push({ path: [INFERRED[signal]], indexOffset: i, texts: [text], context: undefined }));
  return out;
}
