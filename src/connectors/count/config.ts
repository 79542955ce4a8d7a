import { z } from 'zod';
import type { ContextName } from '../../ottl/index.ts';
import { compileGroup } from '../../ottl/program.ts';
import type { Signal } from '../../otlp/types.ts';

// The Collector's countconnector: per kind of item, metrics by name, each counting the items for
// which any of its OTTL conditions holds (all items without conditions).

const metricSchema = z
  .object({
    description: z.string().default(''),
    /** ORed; empty counts every item. */
    conditions: z.array(z.string()).default([]),
    /** Grouping counts by item attributes is not implemented: refused rather than ignored. */
    attributes: z.unknown().optional(),
  })
  .strict();

const section = z.record(z.string().min(1), metricSchema.nullish().transform((m) => m ?? { description: '', conditions: [], attributes: undefined })).optional();

export const countConfigSchema = z
  .object({
    spans: section,
    spanevents: section,
    metrics: section,
    datapoints: section,
    logs: section,
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const kind of KINDS) {
      for (const [name, metric] of Object.entries(config[kind.section] ?? {})) {
        if (metric.attributes !== undefined) ctx.addIssue({ code: 'custom', path: [kind.section, name, 'attributes'], message: 'counting by attributes is not supported by Sluice yet' });
        if (metric.conditions.length === 0) continue;
        const { problems } = compileGroup('condition', kind.signal, { path: [kind.section, name, 'conditions'], texts: metric.conditions, context: kind.context });
        for (const problem of problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      }
    }
  });

export type CountConfig = z.output<typeof countConfigSchema>;

export interface CountKind {
  section: 'spans' | 'spanevents' | 'metrics' | 'datapoints' | 'logs';
  signal: Signal;
  context: ContextName;
  /** The Collector's metric when the section names none. */
  defaultName: string;
  defaultDescription: string;
}

export const KINDS: readonly CountKind[] = [
  { section: 'spans', signal: 'traces', context: 'span', defaultName: 'trace.span.count', defaultDescription: 'The number of spans observed.' },
  { section: 'spanevents', signal: 'traces', context: 'spanevent', defaultName: 'trace.span.event.count', defaultDescription: 'The number of span events observed.' },
  { section: 'metrics', signal: 'metrics', context: 'metric', defaultName: 'metric.count', defaultDescription: 'The number of metrics observed.' },
  { section: 'datapoints', signal: 'metrics', context: 'datapoint', defaultName: 'metric.datapoint.count', defaultDescription: 'The number of data points observed.' },
  { section: 'logs', signal: 'logs', context: 'log', defaultName: 'log.record.count', defaultDescription: 'The number of log records observed.' },
];
