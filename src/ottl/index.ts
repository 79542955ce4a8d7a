// The OTTL subset shared by the filter and transform processors (and, for conditions, others).
export { OttlSyntaxError, describeError, parseCondition, parseStatement, type BoolNode, type StatementNode } from './parser.ts';
export { compileCondition, compileConditionNode, compileStatement, compileStatementNode, inferContext, type CompiledCondition, type CompiledStatement } from './compile.ts';
export { CONTEXT_NAMES, EvalContext, VISIBLE, type ContextName } from './context.ts';
export { OttlRuntimeError } from './values.ts';
export { walkLogs, walkMetrics, walkTraces, pointsOf, type Visit } from './walk.ts';
export { compileRe2, replaceAllGo } from './regex.ts';
