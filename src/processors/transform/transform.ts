import type { Logger } from 'pino';
import type { Batch } from '../../core/batch.ts';
import { PipelineError } from '../../core/errors.ts';
import { compileGroup, EvalContext, walk, type ErrorMode } from '../../ottl/program.ts';
import type { CompiledCondition, CompiledStatement } from '../../ottl/index.ts';
import type { Signal } from '../../otlp/types.ts';
import { rewriteSpans } from '../../ottl/span-bytes.ts';
import { byteTransform } from './bytes.ts';
import { groupSources, type TransformConfig, type TransformGroupSource } from './config.ts';

// Each group walks the request once at its context's level and runs its statements on every
// item whose group conditions (ORed) hold. The statements were compiled when the config loaded;
// here they are compiled again from the validated text, once per pipeline. Span groups made of
// the common statements run on encoded traces without decoding them (bytes.ts).

export interface TransformErrors {
  /** Called for each failed statement in ignore mode (silent mode does not call it). */
  onError(statement: string, error: Error): void;
}

interface RunnableGroup {
  visit: (ctx: EvalContext) => boolean;
}

export function createTransform(config: TransformConfig, signal: Signal, errors: TransformErrors): (batch: Batch) => void {
  const groups: Array<RunnableGroup & { context: string }> = [];
  const sources = groupSources(config, signal);
  for (const source of sources) {
    const { group, problems } = compileGroup('statement', signal, source);
    if (group === undefined) throw new Error(problems.map((p) => p.message).join('\n'));
    groups.push({ context: group.context, visit: visitor(group.statements, group.conditions, source.errorMode, errors) });
  }
  const ctx = new EvalContext();
  const onBytes =
    signal === 'traces'
      ? byteTransform(sources, groups.map((g) => g.context), (source: string, error: unknown, mode: TransformGroupSource['errorMode']) => failWith(mode, errors, source, error))
      : undefined;
  return (batch) => {
    if (groups.length === 0) return;
    if (onBytes !== undefined && batch.hasBytes) {
      onBytes.ctx.metadata = batch.metadata;
      const before = batch.bytes();
      const out = rewriteSpans(before, onBytes.visitor, false);
      if (out.bytes !== before) batch.replaceBytes(out.bytes);
      return;
    }
    const request = batch.mutate();
    ctx.metadata = batch.metadata;
    for (let i = 0; i < groups.length; i++) walk(signal, request, groups[i].context as never, ctx, groups[i].visit, false);
  };
}

function failWith(mode: ErrorMode, errors: TransformErrors, source: string, error: unknown): void {
  if (mode === 'propagate') throw new PipelineError('invalid', `transform: ${source}: ${(error as Error).message}`);
  if (mode === 'ignore') errors.onError(source, error as Error);
}

function visitor(statements: CompiledStatement[], conditions: CompiledCondition[], mode: ErrorMode, errors: TransformErrors): (ctx: EvalContext) => boolean {
  const fail = (source: string, error: unknown): void => failWith(mode, errors, source, error);
  return (ctx) => {
    ctx.cache.length = 0;
    if (conditions.length > 0) {
      let any = false;
      for (let i = 0; i < conditions.length && !any; i++) {
        try {
          any = conditions[i].test(ctx);
        } catch (error) {
          fail(conditions[i].source, error);
        }
      }
      if (!any) return false;
    }
    for (let i = 0; i < statements.length; i++) {
      try {
        statements[i].run(ctx);
      } catch (error) {
        fail(statements[i].source, error);
      }
    }
    return false;
  };
}

/** Logs each failing statement once, so a bad statement on a busy pipeline does not flood the log. */
export function loggingErrors(logger: Logger, id: string): TransformErrors {
  const seen = new Set<string>();
  return {
    onError(statement, error) {
      if (seen.has(statement)) return;
      seen.add(statement);
      logger.warn({ processor: id, statement, error: error.message }, 'OTTL statement failed (error_mode ignore; later failures of it are not logged)');
    },
  };
}
