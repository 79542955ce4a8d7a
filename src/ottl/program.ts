import { z } from 'zod';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, ExportRequest, Signal } from '../otlp/types.ts';
import { compileConditionNode, compileStatementNode, inferContext, type CompiledCondition, type CompiledStatement } from './compile.ts';
import { type ContextName, EvalContext } from './context.ts';
import { describeError, OttlSyntaxError, parseCondition, parseStatement, type BoolNode, type StatementNode } from './parser.ts';
import { walkLogs, walkMetrics, walkTraces, type Visit } from './walk.ts';

// What the filter and transform processors share: the contexts of each signal, error_mode, and
// compiling a list of OTTL texts into one group with every error reported at its config path.

export const SIGNAL_CONTEXTS: Record<Signal, readonly ContextName[]> = {
  traces: ['resource', 'scope', 'span', 'spanevent'],
  metrics: ['resource', 'scope', 'metric', 'datapoint'],
  logs: ['resource', 'scope', 'log'],
};

export const ERROR_MODES = ['ignore', 'silent', 'propagate'] as const;
export type ErrorMode = (typeof ERROR_MODES)[number];
export const errorModeSchema = z.enum(ERROR_MODES, { message: 'error_mode must be ignore, silent or propagate' });

export interface OttlProblem {
  path: Array<string | number>;
  message: string;
}

export interface GroupSource {
  /** Config path of the list the texts came from, e.g. ['trace_statements', 0, 'statements']. */
  path: Array<string | number>;
  texts: readonly string[];
  /** Added to each text's index in problem paths (a run of bare statements inside a longer list). */
  indexOffset?: number;
  conditionsPath?: Array<string | number>;
  conditions?: readonly string[];
  /** Given: unprefixed paths are this context's own. Absent: inferred from the prefixes. */
  context: ContextName | undefined;
}

export interface CompiledGroup {
  context: ContextName;
  statements: CompiledStatement[];
  /** ORed; empty means always. */
  conditions: CompiledCondition[];
}

function problem(path: Array<string | number>, source: string, error: unknown): OttlProblem {
  if (error instanceof OttlSyntaxError) return { path, message: describeError(source, error) };
  return { path, message: (error as Error).message };
}

/**
 * Compiles statements (kind 'statement') or bare conditions (kind 'condition') of one group for
 * `signal`. Returns the group, or the problems, each with its path and a caret under the bad token.
 */
export function compileGroup(kind: 'statement' | 'condition', signal: Signal, source: GroupSource): { group?: CompiledGroup; problems: OttlProblem[] } {
  const problems: OttlProblem[] = [];
  const contexts = SIGNAL_CONTEXTS[signal];
  const parsedTexts: Array<StatementNode | BoolNode | undefined> = source.texts.map((text, i) => {
    try {
      return kind === 'statement' ? parseStatement(text) : parseCondition(text);
    } catch (error) {
      problems.push(problem([...source.path, i + (source.indexOffset ?? 0)], text, error));
      return undefined;
    }
  });
  const conditionTexts = source.conditions ?? [];
  const parsedConditions = conditionTexts.map((text, i) => {
    try {
      return parseCondition(text);
    } catch (error) {
      problems.push(problem([...(source.conditionsPath ?? source.path), i], text, error));
      return undefined;
    }
  });
  if (problems.length > 0) return { problems };
  let context = source.context;
  if (context !== undefined && !contexts.includes(context)) {
    return { problems: [{ path: [...source.path.slice(0, -1), 'context'], message: `context "${context}" is not one of ${signal}'s: ${contexts.join(', ')}` }] };
  }
  const allowUnprefixed = context !== undefined;
  if (context === undefined) {
    context = inferContext([...(parsedTexts as Array<StatementNode | BoolNode>), ...(parsedConditions as BoolNode[])], contexts);
    if (context === undefined) {
      return {
        problems: [
          {
            path: source.path,
            message: `cannot tell the context: prefix every path with one of ${contexts.join(', ')} (span.attributes["k"]), or group the statements under a context`,
          },
        ],
      };
    }
  }
  const statements: CompiledStatement[] = [];
  const conditions: CompiledCondition[] = [];
  parsedTexts.forEach((node, i) => {
    const text = source.texts[i];
    try {
      if (kind === 'statement') statements.push(compileStatementNode(text, node as StatementNode, context, allowUnprefixed));
      else conditions.push(compileConditionNode(text, node as BoolNode, context, allowUnprefixed));
    } catch (error) {
      problems.push(problem([...source.path, i + (source.indexOffset ?? 0)], text, error));
    }
  });
  parsedConditions.forEach((node, i) => {
    const text = conditionTexts[i];
    try {
      conditions.push(compileConditionNode(text, node as BoolNode, context, allowUnprefixed));
    } catch (error) {
      problems.push(problem([...(source.conditionsPath ?? source.path), i], text, error));
    }
  });
  if (problems.length > 0) return { problems };
  return { group: { context, statements, conditions }, problems };
}

/** Walks a request at `level`; `visit` returns true to drop the item (only when prune). */
export function walk(signal: Signal, request: ExportRequest, level: ContextName, ctx: EvalContext, visit: Visit, prune: boolean): void {
  if (signal === 'traces') walkTraces(request as ExportTraceServiceRequest, level, ctx, visit, prune);
  else if (signal === 'metrics') walkMetrics(request as ExportMetricsServiceRequest, level, ctx, visit, prune);
  else walkLogs(request as ExportLogsServiceRequest, level, ctx, visit, prune);
}

export { EvalContext };
