import type { RE2JS } from 're2js';
import { compileConditionNode, type CompiledCondition } from '../../ottl/index.ts';
import { parseCondition, parseStatement, type BoolNode, type PathNode, type StatementNode, type ValueNode } from '../../ottl/parser.ts';
import { compileRe2, replaceAllGo } from '../../ottl/regex.ts';
import { EvalContext } from '../../ottl/program.ts';
import { EDIT, encodeAttributeField, KEEP, LazySpan, type SpanEdits, type SpanVisitor } from '../../ottl/span-bytes.ts';
import type { AnyValue } from '../../otlp/types.ts';
import type { TransformGroupSource } from './config.ts';

// The statements real trace configs are made of, run on the span bytes: set an attribute to a
// literal, delete_key, replace_pattern on one attribute, each with any `where` that does not read
// span attributes. Edits collect per span in a small overlay (so a later statement sees an
// earlier one's value) and are spliced in once. Any other statement, or a condition on
// attributes, keeps the whole processor on the decoded path: same results, more CPU.

type Op =
  | { kind: 'set'; key: string; keyBytes: Uint8Array; value: AnyValue; field: Uint8Array }
  | { kind: 'delete'; key: string; keyBytes: Uint8Array }
  | { kind: 'replace'; key: string; keyBytes: Uint8Array; re: RE2JS; template: string };

interface ByteStatement {
  source: string;
  op: Op;
  where: CompiledCondition | undefined;
}

const utf8 = new TextEncoder();

/** `span.attributes` (or `attributes` where unprefixed paths are the span's), with its keys. */
function spanAttributes(node: ValueNode, unprefixed: boolean): PathNode | undefined {
  if (node.type !== 'path') return undefined;
  const names = node.names;
  if (names.length === 2 && names[0] === 'span' && names[1] === 'attributes') return node;
  if (unprefixed && names.length === 1 && names[0] === 'attributes') return node;
  return undefined;
}

/** Whether a condition reads span attributes or the cache (which the byte path does not keep). */
function readsAttributes(node: BoolNode | ValueNode, unprefixed: boolean): boolean {
  switch (node.type) {
    case 'or':
    case 'and':
      return readsAttributes(node.left, unprefixed) || readsAttributes(node.right, unprefixed);
    case 'not':
      return readsAttributes(node.operand, unprefixed);
    case 'compare':
      return readsAttributes(node.left, unprefixed) || readsAttributes(node.right, unprefixed);
    case 'value':
      return readsAttributes(node.value, unprefixed);
    case 'path':
      return spanAttributes(node, unprefixed) !== undefined || node.names[0] === 'cache' || node.keys.some((k) => k.kind === 'expr' && readsAttributes(k.expr, unprefixed));
    case 'call':
      return node.args.some((a) => readsAttributes(a.value, unprefixed));
    case 'list':
      return node.items.some((i) => readsAttributes(i, unprefixed));
    case 'map':
      return node.entries.some((e) => readsAttributes(e.value, unprefixed));
    case 'math':
      return readsAttributes(node.left, unprefixed) || readsAttributes(node.right, unprefixed);
    default:
      return false;
  }
}

function literalAny(node: ValueNode): AnyValue | undefined {
  if (node.type !== 'literal') return undefined;
  const v = node.value;
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'bigint') return { intValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return undefined;
}

function stringLiteral(node: ValueNode | undefined): string | undefined {
  return node !== undefined && node.type === 'literal' && typeof node.value === 'string' ? node.value : undefined;
}

function byteStatement(source: string, node: StatementNode, unprefixed: boolean): ByteStatement | undefined {
  const args = node.editor.args;
  if (args.some((a) => a.name !== undefined)) return undefined;
  if (node.where !== undefined && readsAttributes(node.where, unprefixed)) return undefined;
  const where = node.where === undefined ? undefined : compileConditionNode(source, node.where, 'span', unprefixed);
  const keyOf = (path: PathNode | undefined): string | undefined => (path !== undefined && path.keys.length === 1 && path.keys[0].kind === 'string' ? path.keys[0].value : undefined);
  switch (node.editor.name) {
    case 'set': {
      if (args.length !== 2) return undefined;
      const key = keyOf(spanAttributes(args[0].value, unprefixed));
      const value = literalAny(args[1].value);
      const field = key === undefined || value === undefined ? undefined : encodeAttributeField(key, value);
      if (key === undefined || value === undefined || field === undefined) return undefined;
      return { source, where, op: { kind: 'set', key, keyBytes: utf8.encode(key), value, field } };
    }
    case 'delete_key': {
      if (args.length !== 2) return undefined;
      const path = spanAttributes(args[0].value, unprefixed);
      const key = stringLiteral(args[1].value);
      if (path === undefined || path.keys.length !== 0 || key === undefined) return undefined;
      return { source, where, op: { kind: 'delete', key, keyBytes: utf8.encode(key) } };
    }
    case 'replace_pattern': {
      if (args.length !== 3) return undefined;
      const key = keyOf(spanAttributes(args[0].value, unprefixed));
      const pattern = stringLiteral(args[1].value);
      const template = stringLiteral(args[2].value);
      if (key === undefined || pattern === undefined || template === undefined) return undefined;
      return { source, where, op: { kind: 'replace', key, keyBytes: utf8.encode(key), re: compileRe2(pattern), template } };
    }
  }
  return undefined;
}

export interface ByteTransform {
  visitor: SpanVisitor;
  ctx: EvalContext;
}

/**
 * A span visitor running every group's statements on span bytes, or undefined when one of them
 * needs the decoded path. `fail` applies the group's error_mode to a failed condition.
 */
export function byteTransform(sources: readonly TransformGroupSource[], contexts: readonly string[], fail: (source: string, error: unknown, mode: TransformGroupSource['errorMode']) => void): ByteTransform | undefined {
  if (sources.length === 0 || contexts.some((c) => c !== 'span')) return undefined;
  const statements: Array<ByteStatement & { mode: TransformGroupSource['errorMode']; group: number }> = [];
  const groupConditions: CompiledCondition[][] = [];
  for (const [g, source] of sources.entries()) {
    const unprefixed = source.context !== undefined;
    const conditions: CompiledCondition[] = [];
    for (const text of source.conditions ?? []) {
      const node = parseCondition(text);
      if (readsAttributes(node, unprefixed)) return undefined;
      conditions.push(compileConditionNode(text, node, 'span', unprefixed));
    }
    groupConditions.push(conditions);
    for (const text of source.texts) {
      const statement = byteStatement(text, parseStatement(text), unprefixed);
      if (statement === undefined) return undefined;
      statements.push({ ...statement, mode: source.errorMode, group: g });
    }
  }

  const ctx = new EvalContext();
  const lazy = new LazySpan();
  // The overlay of one span: keys touched, in first-touch order, their value (null: deleted) and
  // whether the original entry must move to the end (deleted, then set again).
  const keys: string[] = [];
  const keyBytes: Uint8Array[] = [];
  const values: Array<AnyValue | null | undefined> = [];
  const moved: boolean[] = [];
  /** The encoded field of a value set from a literal, encoded once at start. */
  const encoded: Array<Uint8Array | undefined> = [];
  const groupOn: boolean[] = new Array(groupConditions.length).fill(true);
  // This span's edits, kept in position order as they are added (there are only a few).
  const starts: number[] = [];
  const ends: number[] = [];
  const fields: Array<Uint8Array | null> = [];
  let edited = 0;
  const add = (start: number, end: number, field: Uint8Array | null): void => {
    let i = edited++;
    while (i > 0 && starts[i - 1] > start) {
      starts[i] = starts[i - 1];
      ends[i] = ends[i - 1];
      fields[i] = fields[i - 1];
      i--;
    }
    starts[i] = start;
    ends[i] = end;
    fields[i] = field;
  };


  // `touched` entries of the overlay are live; the arrays are reused from span to span.
  let touched = 0;
  const touch = (key: string, bytes: Uint8Array): number => {
    for (let i = 0; i < touched; i++) if (keys[i] === key) return i;
    const i = touched++;
    keys[i] = key;
    keyBytes[i] = bytes;
    values[i] = undefined;
    moved[i] = false;
    encoded[i] = undefined;
    return i;
  };

  const current = (key: string, bytes: Uint8Array): AnyValue | null | undefined => {
    for (let i = 0; i < touched; i++) if (keys[i] === key) return values[i];
    return lazy.attributeValue(bytes);
  };

  const visitor: SpanVisitor = {
    resource: (resource) => void (ctx.resourceHolder = { resource }),
    scope: (scope) => void (ctx.scopeHolder = { scope }),
    span(bytes, start, end, edits: SpanEdits) {
      lazy.reset(bytes, start, end);
      ctx.span = lazy;
      touched = 0;
      for (let g = 0; g < groupConditions.length; g++) {
        const conditions = groupConditions[g];
        let on = conditions.length === 0;
        for (let i = 0; i < conditions.length && !on; i++) {
          try {
            on = conditions[i].test(ctx);
          } catch (error) {
            fail(conditions[i].source, error, sources[g].errorMode);
          }
        }
        groupOn[g] = on;
      }
      for (let i = 0; i < statements.length; i++) {
        const s = statements[i];
        if (!groupOn[s.group]) continue;
        if (s.where !== undefined) {
          let hold = false;
          try {
            hold = s.where.test(ctx);
          } catch (error) {
            fail(s.source, error, s.mode);
          }
          if (!hold) continue;
        }
        const op = s.op;
        if (op.kind === 'set') {
          const at = touch(op.key, op.keyBytes);
          if (values[at] === null) moved[at] = true;
          values[at] = op.value;
          encoded[at] = op.field;
        } else if (op.kind === 'delete') {
          const value = current(op.key, op.keyBytes);
          if (value === undefined || value === null) continue;
          const at = touch(op.key, op.keyBytes);
          values[at] = null;
          encoded[at] = undefined;
        } else {
          const value = current(op.key, op.keyBytes);
          const text = value?.stringValue;
          if (text === undefined) continue;
          const next = replaceAllGo(op.re, text, op.template);
          if (next === text) continue;
          const at = touch(op.key, op.keyBytes);
          values[at] = { stringValue: next };
          encoded[at] = undefined;
        }
      }
      if (touched === 0) return KEEP;
      edited = 0;
      for (let i = 0; i < touched; i++) {
        const found = lazy.findAttribute(keyBytes[i]);
        const value = values[i] as AnyValue | null;
        const field = value === null ? null : (encoded[i] ?? encodeAttributeField(keys[i], value) ?? null);
        if (found === undefined) {
          if (field !== null) add(end, end, field);
        } else if (moved[i] && field !== null) {
          add(found[0], found[1], null);
          add(end, end, field);
        } else add(found[0], found[1], field);
      }
      if (edited === 0) return KEEP;
      for (let i = 0; i < edited; i++) edits.replace(starts[i], ends[i], fields[i]);
      return EDIT;
    },
  };
  return { visitor, ctx };
}
