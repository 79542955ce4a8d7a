import { z } from 'zod';
import { CONTEXT_NAMES } from '../../ottl/index.ts';
import { compileGroup, errorModeSchema, type GroupSource } from '../../ottl/program.ts';
import type { Signal } from '../../otlp/types.ts';

// The Collector's transformprocessor config: per signal, a list of OTTL statements (one group,
// context inferred from the path prefixes) or of groups with `context`, `conditions`,
// `statements` and their own `error_mode`. Every statement is compiled here, so a bad one fails
// validation with its path and a caret under the bad token.

const groupSchema = z.strictObject({
  context: z.enum(CONTEXT_NAMES as [string, ...string[]], { message: `context must be one of ${CONTEXT_NAMES.join(', ')}` }).optional(),
  conditions: z.array(z.string()).default([]),
  statements: z.array(z.string()).min(1, 'give at least one statement'),
  error_mode: errorModeSchema.optional(),
});

const statementList = z.array(z.union([z.string(), groupSchema], { message: 'each entry is an OTTL statement or a group with statements' })).default([]);

export const STATEMENT_KEYS = { traces: 'trace_statements', metrics: 'metric_statements', logs: 'log_statements' } as const;

export const transformConfigSchema = z
  .strictObject({
    error_mode: errorModeSchema.default('ignore'),
    trace_statements: statementList,
    metric_statements: statementList,
    log_statements: statementList,
    /** Profiles are not a Sluice signal; named so the error says so. */
    profile_statements: z.array(z.unknown()).optional(),
    flatten_data: z.boolean().default(false),
  })
  .superRefine((config, ctx) => {
    if (config.profile_statements !== undefined && config.profile_statements.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['profile_statements'], message: 'profiles are not supported by Sluice' });
    }
    if (config.flatten_data) ctx.addIssue({ code: 'custom', path: ['flatten_data'], message: 'flatten_data is not supported by Sluice yet' });
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      for (const source of groupSources(config, signal)) {
        for (const problem of compileGroup('statement', signal, source).problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      }
    }
  });

export type TransformConfig = z.output<typeof transformConfigSchema>;

export interface TransformGroupSource extends GroupSource {
  errorMode: TransformConfig['error_mode'];
}

/** The groups of one signal: consecutive bare statements form one group; each object is one. */
export function groupSources(config: TransformConfig, signal: Signal): TransformGroupSource[] {
  const key = STATEMENT_KEYS[signal];
  const list = config[key];
  const out: TransformGroupSource[] = [];
  let run: { start: number; texts: string[] } | undefined;
  const flush = () => {
    if (run === undefined) return;
    // A bare statement's errors point at the statement itself: trace_statements[3].
    out.push({ path: [key], indexOffset: run.start, texts: run.texts, context: undefined, errorMode: config.error_mode });
    run = undefined;
  };
  list.forEach((entry, i) => {
    if (typeof entry === 'string') {
      run ??= { start: i, texts: [] };
      run.texts.push(entry);
      return;
    }
    flush();
    out.push({
      path: [key, i, 'statements'],
      texts: entry.statements,
      conditions: entry.conditions,
      conditionsPath: [key, i, 'conditions'],
      context: entry.context as GroupSource['context'],
      errorMode: entry.error_mode ?? config.error_mode,
    });
  });
  flush();
  return out;
}

