import type { AnyValue, KeyValue } from '../otlp/types.ts';
import { CACHE, type ContextName, ENUMS, type EvalContext, FIELDS, type PathAccessor, PREFIXES, UNSUPPORTED_FIELDS, VISIBLE } from './context.ts';
import { type FunctionSpec, FUNCTIONS, NOT_YET } from './functions.ts';
import { type BoolNode, type CallNode, type Key, type LiteralValue, OttlSyntaxError, parseCondition, parseStatement, type PathNode, type StatementNode, type ValueNode } from './parser.ts';
import { compileRe2 } from './regex.ts';
import { type CompareOp, compare, findKey, fromAny, OttlDuration, OttlRuntimeError, OttlTime, toAny, typeName, type Value, ValueMap } from './values.ts';

// Syntax tree → closures, once, when the config loads. Paths become direct field accessors for
// their context, literals become constants, functions are checked against their signatures, and
// every pattern is compiled to RE2 here. Nothing is looked up by name while data flows.

export type Getter = (ctx: EvalContext) => Value;
export type Predicate = (ctx: EvalContext) => boolean;

export interface CompiledStatement {
  readonly source: string;
  readonly context: ContextName;
  /** Runs the editor when the where clause holds. Throws OttlRuntimeError on a failed statement. */
  run(ctx: EvalContext): void;
}

export interface CompiledCondition {
  readonly source: string;
  readonly context: ContextName;
  test(ctx: EvalContext): boolean;
}

/** A compiled argument, by the parameter's kind. */
export type Arg = Getter | MapTarget | SetTarget | string | bigint | string[] | Getter[] | ReturnType<typeof compileRe2> | undefined;

/** A path that can be written: an editor's first argument. */
export interface SetTarget {
  get: Getter;
  set(ctx: EvalContext, value: Value): void;
  type: PathAccessor['type'];
}

/** The KeyValue list a map editor changes in place; undefined when the path holds no map. */
export type MapTarget = (ctx: EvalContext) => KeyValue[] | undefined;

type StaticType = PathAccessor['type'] | 'nil' | 'duration' | 'unknown';

interface Compiled {
  get: Getter;
  type: StaticType;
  /** The literal, when the node is one (patterns and limits must be literals). */
  literal?: { value: Value };
}

/** Every path prefix the statement uses, to infer its context. */
export function pathPrefixes(node: StatementNode | BoolNode): Set<string> {
  const out = new Set<string>();
  const visitValue = (value: ValueNode): void => {
    switch (value.type) {
      case 'path':
        if (value.names.length > 1 && value.names[0] in PREFIXES) out.add(PREFIXES[value.names[0]]);
        else if (value.names[0] in PREFIXES && value.names.length === 1 && value.keys.length === 0) out.add(PREFIXES[value.names[0]]);
        for (const key of value.keys) if (key.kind === 'expr') visitValue(key.expr);
        break;
      case 'call':
        for (const arg of value.args) visitValue(arg.value);
        break;
      case 'list':
        value.items.forEach(visitValue);
        break;
      case 'map':
        for (const entry of value.entries) visitValue(entry.value);
        break;
      case 'math':
        visitValue(value.left);
        visitValue(value.right);
        break;
    }
  };
  const visitBool = (bool: BoolNode): void => {
    if (bool.type === 'or' || bool.type === 'and') {
      visitBool(bool.left);
      visitBool(bool.right);
    } else if (bool.type === 'not') visitBool(bool.operand);
    else if (bool.type === 'compare') {
      visitValue(bool.left);
      visitValue(bool.right);
    } else if (bool.type === 'value') visitValue(bool.value);
  };
  if ('editor' in node) {
    visitValue(node.editor);
    if (node.where !== undefined) visitBool(node.where);
  } else visitBool(node);
  return out;
}

/**
 * The context for statements written with prefixed paths (`span.attributes`): the deepest of
 * `order` that can see every prefix used. Throws when none can, or when a path has no prefix.
 */
export function inferContext(nodes: ReadonlyArray<StatementNode | BoolNode>, order: readonly ContextName[]): ContextName | undefined {
  const used = new Set<ContextName>();
  for (const node of nodes) for (const prefix of pathPrefixes(node)) used.add(prefix as ContextName);
  if (used.size === 0) return undefined;
  for (let i = order.length - 1; i >= 0; i--) {
    const visible = VISIBLE[order[i]];
    let all = true;
    for (const name of used) if (!visible.includes(name)) all = false;
    if (!all) continue;
    // The deepest context actually named: `resource.attributes` alone runs once per resource.
    let deepest = 0;
    for (const name of used) deepest = Math.max(deepest, order.indexOf(name));
    return order[deepest];
  }
  return undefined;
}

class Compiler {
  readonly #context: ContextName;
  /** Unprefixed paths are the context's own fields (the `context:` group form). */
  readonly #allowUnprefixed: boolean;

  constructor(context: ContextName, allowUnprefixed: boolean) {
    this.#context = context;
    this.#allowUnprefixed = allowUnprefixed;
  }

  statement(node: StatementNode): (ctx: EvalContext) => void {
    const action = this.#editor(node.editor);
    if (node.where === undefined) return action;
    const where = this.condition(node.where);
    return (ctx) => {
      if (where(ctx)) action(ctx);
    };
  }

  condition(node: BoolNode): Predicate {
    switch (node.type) {
      case 'or': {
        const left = this.condition(node.left);
        const right = this.condition(node.right);
        return (ctx) => left(ctx) || right(ctx);
      }
      case 'and': {
        const left = this.condition(node.left);
        const right = this.condition(node.right);
        return (ctx) => left(ctx) && right(ctx);
      }
      case 'not': {
        const operand = this.condition(node.operand);
        return (ctx) => !operand(ctx);
      }
      case 'compare':
        return this.#compare(node.op, node.left, node.right);
      case 'value': {
        const value = this.value(node.value);
        if (value.type !== 'bool' && value.type !== 'any' && value.type !== 'unknown') {
          throw new OttlSyntaxError(`a condition needs a boolean; this is ${describeType(value.type)} (compare it: == ...)`, node.at.offset, node.at.length);
        }
        if (value.literal !== undefined) {
          const constant = value.literal.value === true;
          return () => constant;
        }
        const get = value.get;
        return (ctx) => {
          const v = get(ctx);
          if (typeof v !== 'boolean') throw new OttlRuntimeError(`condition is ${typeName(v)}, not bool`);
          return v;
        };
      }
    }
  }

  #compare(op: CompareOp, leftNode: ValueNode, rightNode: ValueNode): Predicate {
    const byteCompare = this.#stringEquality(op, leftNode, rightNode);
    if (byteCompare !== undefined) return byteCompare;
    const left = this.value(leftNode);
    const right = this.value(rightNode);
    const l = left.get;
    const r = right.get;
    if (right.literal !== undefined) {
      const constant = right.literal.value;
      if (typeof constant === 'string' && op === '==') return (ctx) => l(ctx) === constant;
      if (typeof constant === 'string' && op === '!=') return (ctx) => l(ctx) !== constant;
      return (ctx) => compare(l(ctx), constant, op);
    }
    return (ctx) => compare(l(ctx), r(ctx), op);
  }

  /**
   * `attributes["k"] == "text"` (or !=) where the path can test one key: on a span read from its
   * bytes this compares UTF-8 bytes and decodes nothing. Undefined when the shape does not fit.
   */
  #stringEquality(op: CompareOp, leftNode: ValueNode, rightNode: ValueNode): Predicate | undefined {
    if ((op !== '==' && op !== '!=') || leftNode.type !== 'path' || rightNode.type !== 'literal' || typeof rightNode.value !== 'string') return undefined;
    if (leftNode.keys.length !== 1 || leftNode.keys[0].kind !== 'string') return undefined;
    const { accessor } = this.#accessor(leftNode);
    const isString = accessor.isString;
    if (isString === undefined) return undefined;
    const encoder = new TextEncoder();
    const key = leftNode.keys[0].value;
    const keyBytes = encoder.encode(key);
    const value = rightNode.value;
    const valueBytes = encoder.encode(value);
    return op === '==' ? (ctx) => isString(ctx, key, keyBytes, value, valueBytes) : (ctx) => !isString(ctx, key, keyBytes, value, valueBytes);
  }

  value(node: ValueNode): Compiled {
    switch (node.type) {
      case 'literal': {
        const value = node.value;
        return { get: () => value, type: literalType(value), literal: { value } };
      }
      case 'enum': {
        const value = ENUMS[node.name];
        if (value === undefined) throw new OttlSyntaxError(`unknown enum "${node.name}"`, node.at.offset, node.at.length);
        return { get: () => value, type: 'int', literal: { value } };
      }
      case 'funcref':
        throw new OttlSyntaxError(`"${node.name}" is not a value here (a converter is called: ${node.name}(...))`, node.at.offset, node.at.length);
      case 'list': {
        const items = node.items.map((item) => this.value(item));
        if (items.every((item) => item.literal !== undefined)) {
          const value = items.map((item) => item.literal!.value);
          return { get: () => value.slice(), type: 'list', literal: { value } };
        }
        const getters = items.map((item) => item.get);
        return {
          get: (ctx) => {
            const out: Value[] = new Array(getters.length);
            for (let i = 0; i < getters.length; i++) out[i] = getters[i](ctx);
            return out;
          },
          type: 'list',
        };
      }
      case 'map': {
        const entries = node.entries.map((entry) => ({ key: entry.key, get: this.value(entry.value).get }));
        return {
          get: (ctx) => {
            const kvs: KeyValue[] = [];
            for (const entry of entries) kvs.push({ key: entry.key, value: toAny(entry.get(ctx)) });
            return new ValueMap(kvs);
          },
          type: 'map',
        };
      }
      case 'math':
        return this.#math(node);
      case 'path': {
        const target = this.path(node);
        return { get: target.get, type: target.type };
      }
      case 'call':
        return this.#converter(node);
    }
  }

  #math(node: Extract<ValueNode, { type: 'math' }>): Compiled {
    const left = this.value(node.left);
    const right = this.value(node.right);
    for (const side of [left, right]) {
      if (!['int', 'float', 'time', 'duration', 'any', 'unknown'].includes(side.type)) {
        throw new OttlSyntaxError(`math needs numbers, times or durations; found ${describeType(side.type)}`, node.at.offset, node.at.length);
      }
    }
    const l = left.get;
    const r = right.get;
    const op = node.op;
    return { get: (ctx) => arithmetic(op, l(ctx), r(ctx)), type: left.type === right.type && left.type !== 'time' ? left.type : left.type === 'time' && right.type === 'time' ? 'duration' : 'unknown' };
  }

  /** Resolves a path for this context: prefix, field, then keys. */
  path(node: PathNode): SetTarget & { map?: MapTarget } {
    const { accessor, fieldName } = this.#accessor(node);
    if (node.keys.length === 0) {
      const set = accessor.set;
      const target: SetTarget & { map?: MapTarget } = {
        get: accessor.get,
        type: accessor.type,
        set:
          set === undefined
            ? () => {
                throw new OttlRuntimeError(`${fieldName} cannot be set`);
              }
            : set,
      };
      if (accessor.map !== undefined) {
        const list = accessor.map;
        target.map = (ctx) => list(ctx, true);
      }
      return target;
    }
    if (accessor.map === undefined && accessor.slot === undefined) {
      if (fieldName === 'trace_state') return this.#traceStateKey(node);
      const key = node.keys[0];
      throw new OttlSyntaxError(`${fieldName} takes no keys (it is ${describeType(accessor.type)})`, key.at.offset, key.at.length);
    }
    const keys = node.keys.map((key) => this.#key(key));
    const root = accessor.map !== undefined ? rootFromMap(accessor.map) : rootFromSlot(accessor.slot!);
    let get: Getter = (ctx) => {
      let value: AnyValue | undefined = root(ctx, false);
      for (let i = 0; i < keys.length && value !== undefined; i++) value = step(value, keys[i](ctx), false);
      return fromAny(value);
    };
    const first = node.keys[0];
    const lookup = accessor.lookup;
    if (node.keys.length === 1 && first.kind === 'string' && lookup !== undefined) {
      // attributes["k"]: one lookup, which on a span read from bytes compares key bytes only.
      const key = first.value;
      const keyBytes = new TextEncoder().encode(key);
      get = (ctx) => fromAny(lookup(ctx, key, keyBytes));
    }
    const lastKey = keys[keys.length - 1];
    const parents = keys.slice(0, -1);
    const target: SetTarget & { map?: MapTarget } = {
      get,
      type: 'any',
      set: (ctx, value) => {
        let container = root(ctx, true) as AnyValue;
        for (let i = 0; i < parents.length; i++) container = step(container, parents[i](ctx), true)!;
        const key = lastKey(ctx);
        if (typeof key === 'string') {
          if (container.kvlistValue === undefined) {
            if (!isEmpty(container)) throw new OttlRuntimeError(`cannot set key "${key}": the value is not a map`);
            container.kvlistValue = { values: [] };
          }
          putAny(container.kvlistValue.values, key, toAny(value));
        } else {
          const list = container.arrayValue?.values;
          if (list === undefined || key < 0 || key >= list.length) throw new OttlRuntimeError(`index ${key} is out of range`);
          list[key] = toAny(value);
        }
      },
      map: (ctx) => {
        const value = get(ctx);
        return value instanceof ValueMap ? value.kvs : undefined;
      },
    };
    return target;
  }

  #traceStateKey(node: PathNode): SetTarget {
    const key = node.keys[0];
    if (key.kind !== 'string' || node.keys.length > 1) throw new OttlSyntaxError('trace_state takes one string key', key.at.offset, key.at.length);
    const name = key.value;
    return {
      type: 'string',
      get: (ctx) => {
        for (const member of ctx.span.traceState.split(',')) {
          const eq = member.indexOf('=');
          if (eq > 0 && member.slice(0, eq).trim() === name) return member.slice(eq + 1).trim();
        }
        return null;
      },
      set: (ctx, value) => {
        if (typeof value !== 'string') return;
        const members = ctx.span.traceState === '' ? [] : ctx.span.traceState.split(',').filter((m) => m.slice(0, m.indexOf('=')).trim() !== name);
        ctx.span.traceState = [`${name}=${value}`, ...members].join(',');
      },
    };
  }

  #key(key: Key): (ctx: EvalContext) => string | number {
    if (key.kind === 'string') {
      const value = key.value;
      return () => value;
    }
    if (key.kind === 'int') {
      const value = key.value;
      return () => value;
    }
    const get = this.value(key.expr).get;
    return (ctx) => {
      const value = get(ctx);
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint') return Number(value);
      throw new OttlRuntimeError(`a key must be a string or an int, not ${typeName(value)}`);
    };
  }

  #accessor(node: PathNode): { accessor: PathAccessor; fieldName: string } {
    const first = node.names[0];
    const context = this.#context;
    if (first === 'cache') {
      if (node.names.length > 1) throw new OttlSyntaxError('cache takes keys, not fields: cache["name"]', node.nameAt[1].offset, node.nameAt[1].length);
      return { accessor: CACHE, fieldName: 'cache' };
    }
    let owner: ContextName;
    let names: string[];
    let nameStart: number;
    if (first in PREFIXES && node.names.length > 1) {
      owner = PREFIXES[first];
      names = node.names.slice(1);
      nameStart = 1;
      if (!VISIBLE[context].includes(owner)) {
        throw new OttlSyntaxError(`${first} paths are not available in the ${context} context (it sees ${VISIBLE[context].join(', ')})`, node.nameAt[0].offset, node.nameAt[0].length);
      }
    } else if (first in PREFIXES && node.names.length === 1) {
      throw new OttlSyntaxError(`"${first}" alone is not a path here; name a field such as ${first}.attributes`, node.at.offset, node.at.length);
    } else {
      if (!this.#allowUnprefixed) {
        throw new OttlSyntaxError(`path "${node.names.join('.')}" needs a context prefix, such as ${context}.${node.names.join('.')}`, node.nameAt[0].offset, node.nameAt[0].length);
      }
      owner = context;
      names = node.names;
      nameStart = 0;
    }
    const field = names.join('.');
    const accessor = FIELDS[owner][field];
    if (accessor === undefined) {
      const at = node.nameAt[nameStart];
      const last = node.nameAt[node.nameAt.length - 1];
      const why = UNSUPPORTED_FIELDS[names[0]];
      const known = Object.keys(FIELDS[owner]).join(', ');
      throw new OttlSyntaxError(
        why !== undefined ? `path "${field}" is not supported: ${why}` : `unknown path "${field}" in the ${owner} context (known: ${known})`,
        at.offset,
        last.offset + last.length - at.offset,
      );
    }
    return { accessor, fieldName: node.names.join('.') };
  }

  #converter(node: CallNode): Compiled {
    const spec = FUNCTIONS[node.name];
    if (spec === undefined || spec.kind !== 'converter') return this.#unknownFunction(node, 'converter');
    const args = this.#args(node, spec);
    let get = spec.make(args, node) as Getter;
    if (node.keys.length > 0) {
      const keys = node.keys.map((key) => this.#key(key));
      const inner = get;
      get = (ctx) => {
        let value = inner(ctx);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i](ctx);
          if (typeof key === 'string' && value instanceof ValueMap) {
            const at = findKey(value.kvs, key);
            value = at < 0 ? null : fromAny(value.kvs[at].value);
          } else if (typeof key === 'number' && Array.isArray(value)) value = value[key] ?? null;
          else return null;
        }
        return value;
      };
      return { get, type: 'any' };
    }
    return { get, type: spec.returns ?? 'any' };
  }

  #editor(node: CallNode): (ctx: EvalContext) => void {
    const spec = FUNCTIONS[node.name];
    if (spec === undefined || spec.kind !== 'editor') this.#unknownFunction(node, 'editor');
    const args = this.#args(node, spec!);
    return spec!.make(args, node) as (ctx: EvalContext) => void;
  }

  #unknownFunction(node: CallNode, want: 'editor' | 'converter'): never {
    const at = { offset: node.at.offset, length: node.name.length };
    const spec = FUNCTIONS[node.name];
    if (spec !== undefined) throw new OttlSyntaxError(`${node.name} is ${spec.kind === 'editor' ? 'an editor' : 'a converter'}, not ${want === 'editor' ? 'an editor' : 'a converter'}`, at.offset, at.length);
    if (NOT_YET.has(node.name)) throw new OttlSyntaxError(`function ${node.name} is not supported by Sluice yet`, at.offset, at.length);
    const known = Object.entries(FUNCTIONS)
      .filter(([, s]) => s.kind === want)
      .map(([name]) => name)
      .join(', ');
    throw new OttlSyntaxError(`unknown ${want} "${node.name}" (known: ${known})`, at.offset, at.length);
  }

  #args(node: CallNode, spec: FunctionSpec): Arg[] {
    const params = spec.params;
    const slots: Array<ValueNode | undefined> = new Array(params.length).fill(undefined);
    const slotAt: Array<{ offset: number; length: number } | undefined> = new Array(params.length).fill(undefined);
    let positional = 0;
    for (const arg of node.args) {
      let index: number;
      if (arg.name !== undefined) {
        index = params.findIndex((p) => p.name === arg.name);
        if (index < 0) throw new OttlSyntaxError(`${node.name} has no parameter "${arg.name}" (it takes ${params.map((p) => p.name).join(', ')})`, arg.at.offset, arg.name.length);
      } else {
        index = positional++;
        if (index >= params.length) throw new OttlSyntaxError(`${node.name} takes at most ${params.length} argument${params.length === 1 ? '' : 's'}`, arg.at.offset, arg.at.length);
      }
      if (slots[index] !== undefined) throw new OttlSyntaxError(`${node.name}: "${params[index].name}" is given twice`, arg.at.offset, arg.at.length);
      slots[index] = arg.value;
      slotAt[index] = arg.at;
    }
    const args: Arg[] = [];
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      const value = slots[i];
      if (value === undefined) {
        if (!param.optional) throw new OttlSyntaxError(`${node.name} needs its "${param.name}" argument`, node.at.offset + node.at.length - 1, 1);
        args.push(undefined);
        continue;
      }
      args.push(this.#arg(node.name, param, value));
    }
    return args;
  }

  #arg(fn: string, param: FunctionSpec['params'][number], node: ValueNode): Arg {
    const bad = (what: string): never => {
      throw new OttlSyntaxError(`${fn}: "${param.name}" must be ${what}`, node.at.offset, node.at.length);
    };
    switch (param.kind) {
      case 'target': {
        if (node.type !== 'path') bad('a path to write');
        const target = this.path(node as PathNode);
        return target;
      }
      case 'map': {
        if (node.type !== 'path') bad('a path to a map (such as span.attributes)');
        const target = this.path(node as PathNode);
        if (target.type !== 'map' && target.type !== 'any') bad(`a path to a map; it is ${describeType(target.type)}`);
        if (target.map !== undefined) return target.map;
        const get = target.get;
        return ((ctx: EvalContext) => {
          const value = get(ctx);
          return value instanceof ValueMap ? value.kvs : undefined;
        }) as MapTarget;
      }
      case 'value':
        return this.value(node).get;
      case 'string': {
        const value = this.value(node);
        if (!['string', 'any', 'unknown'].includes(value.type)) bad(`a string; it is ${describeType(value.type)}`);
        return value.get;
      }
      case 'stringLiteral':
      case 'pattern':
      case 'glob': {
        if (node.type !== 'literal' || typeof node.value !== 'string') bad('a string literal');
        const text = (node as { value: string }).value;
        if (param.choices !== undefined && !param.choices.includes(text)) bad(`one of ${param.choices.map((c) => `"${c}"`).join(', ')}`);
        if (param.kind === 'stringLiteral') return text;
        try {
          return param.kind === 'pattern' ? compileRe2(text) : text;
        } catch (error) {
          return bad(`a valid RE2 pattern (${(error as Error).message})`);
        }
      }
      case 'int': {
        if (node.type !== 'literal' || typeof node.value !== 'bigint') bad('an int literal');
        const n = (node as { value: bigint }).value;
        if (n < 0n) bad('zero or more');
        return n;
      }
      case 'stringList': {
        if (node.type !== 'list' || !node.items.every((item) => item.type === 'literal' && typeof item.value === 'string')) bad('a list of string literals, such as ["a", "b"]');
        return (node as { items: Array<{ value: string }> }).items.map((item) => item.value);
      }
      case 'valueList': {
        if (node.type !== 'list') bad('a list, such as [a, b]');
        return (node as { items: ValueNode[] }).items.map((item) => this.value(item).get);
      }
      case 'funcref': {
        if (node.type !== 'funcref') bad('a function name');
        return (node as { name: string }).name;
      }
    }
  }
}

function rootFromMap(map: NonNullable<PathAccessor['map']>): (ctx: EvalContext, create: boolean) => AnyValue | undefined {
  // A map path is wrapped as a kvlist AnyValue so every key step is the same walk.
  return (ctx, create) => {
    const kvs = map(ctx, create);
    return kvs === undefined ? undefined : { kvlistValue: { values: kvs } };
  };
}

function rootFromSlot(slot: NonNullable<PathAccessor['slot']>): (ctx: EvalContext, create: boolean) => AnyValue | undefined {
  return slot;
}

function isEmpty(value: AnyValue): boolean {
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

/** One key step down an AnyValue; with create, a missing map entry is made an empty map. */
function step(value: AnyValue, key: string | number, create: boolean): AnyValue | undefined {
  if (typeof key === 'string') {
    let kvs = value.kvlistValue?.values;
    if (kvs === undefined) {
      if (!create) return undefined;
      if (!isEmpty(value)) throw new OttlRuntimeError(`cannot use key "${key}": the value is not a map`);
      value.kvlistValue = { values: [] };
      kvs = value.kvlistValue.values;
    }
    const at = findKey(kvs, key);
    if (at >= 0) return kvs[at].value;
    if (!create) return undefined;
    const child: AnyValue = {};
    kvs.push({ key, value: child });
    return child;
  }
  const list = value.arrayValue?.values;
  if (list === undefined || key < 0 || key >= list.length) {
    if (create) throw new OttlRuntimeError(`index ${key} is out of range`);
    return undefined;
  }
  return list[key];
}

function putAny(kvs: KeyValue[], key: string, value: AnyValue): void {
  const at = findKey(kvs, key);
  if (at >= 0) kvs[at].value = value;
  else kvs.push({ key, value });
}

function literalType(value: LiteralValue | Value[]): StaticType {
  return typeName(value) as StaticType;
}

export function describeType(type: StaticType): string {
  switch (type) {
    case 'int':
      return 'an int';
    case 'any':
    case 'unknown':
      return 'a value of any type';
    case 'nil':
      return 'nil';
    default:
      return `a ${type}`;
  }
}

function arithmetic(op: '+' | '-' | '*' | '/', a: Value, b: Value): Value {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (op === '/' && b === 0n) throw new OttlRuntimeError('division by zero');
    return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  }
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = Number(a);
    const y = Number(b);
    if (op === '/' && y === 0) throw new OttlRuntimeError('division by zero');
    return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
  }
  if (a instanceof OttlTime && b instanceof OttlTime && op === '-') return new OttlDuration(a.ns - b.ns);
  if (a instanceof OttlTime && b instanceof OttlDuration && (op === '+' || op === '-')) return new OttlTime(op === '+' ? a.ns + b.ns : a.ns - b.ns);
  if (a instanceof OttlDuration && b instanceof OttlDuration && (op === '+' || op === '-')) return new OttlDuration(op === '+' ? a.ns + b.ns : a.ns - b.ns);
  throw new OttlRuntimeError(`cannot compute ${typeName(a)} ${op} ${typeName(b)}`);
}

/** Compiles one statement for `context`. Throws OttlSyntaxError with the bad token's position. */
export function compileStatement(source: string, context: ContextName, options: { allowUnprefixed: boolean }): CompiledStatement {
  return compileStatementNode(source, parseStatement(source), context, options.allowUnprefixed);
}

export function compileStatementNode(source: string, node: StatementNode, context: ContextName, allowUnprefixed: boolean): CompiledStatement {
  return { source, context, run: new Compiler(context, allowUnprefixed).statement(node) };
}

export function compileCondition(source: string, context: ContextName, options: { allowUnprefixed: boolean }): CompiledCondition {
  return compileConditionNode(source, parseCondition(source), context, options.allowUnprefixed);
}

export function compileConditionNode(source: string, node: BoolNode, context: ContextName, allowUnprefixed: boolean): CompiledCondition {
  return { source, context, test: new Compiler(context, allowUnprefixed).condition(node) };
}
