// OTTL text → syntax tree. The grammar is the Collector's (pkg/ottl LANGUAGE.md): an editor call
// with an optional `where` condition, or a bare condition; values are literals, paths, enums,
// converter calls, lists, maps and math. Every node keeps its offset so a compile error can put a
// caret under the token it is about.

/** A config error inside one OTTL statement: offset and length locate the bad token. */
export class OttlSyntaxError extends Error {
  readonly offset: number;
  readonly length: number;
  constructor(message: string, offset: number, length = 1) {
    super(message);
    this.offset = offset;
    this.length = Math.max(1, length);
  }
}

/** The statement, then a caret line under the bad token, indented to sit under the statement. */
export function describeError(source: string, error: OttlSyntaxError, indent = '    '): string {
  const caret = ' '.repeat(error.offset) + '^'.repeat(Math.min(error.length, Math.max(1, source.length - error.offset)));
  return `${error.message}\n${indent}${source}\n${indent}${caret}`;
}

type TokenKind = 'string' | 'int' | 'float' | 'bytes' | 'ident' | 'op' | 'punct' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  /** Unquoted text for strings. */
  value: string;
  offset: number;
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

function unquote(body: string, offset: number): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e in ESCAPES) {
      out += ESCAPES[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + width);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) throw new OttlSyntaxError(`invalid escape "\\${e}${hex}" in string`, offset + i, width + 2);
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += width;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new OttlSyntaxError(`invalid escape "\\${oct}" in string`, offset + i, 4);
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else {
      // Go's unquoting, as the Collector's, refuses unknown escapes: write "\\." for a regex "\.".
      throw new OttlSyntaxError(`invalid escape "\\${e ?? ''}" in string (write \\\\ for a backslash)`, offset + i, 2);
    }
  }
  return out;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      i++;
      while (i < source.length && source[i] !== '"') i += source[i] === '\\' ? 2 : 1;
      if (i >= source.length) throw new OttlSyntaxError('unterminated string', start, source.length - start);
      i++;
      const text = source.slice(start, i);
      tokens.push({ kind: 'string', text, value: unquote(text.slice(1, -1), start + 1), offset: start });
      continue;
    }
    if (c === '0' && (source[i + 1] === 'x' || source[i + 1] === 'X')) {
      i += 2;
      while (i < source.length && /[0-9a-fA-F]/.test(source[i])) i++;
      const text = source.slice(start, i);
      if (text.length === 2 || (text.length - 2) % 2 !== 0) throw new OttlSyntaxError('bytes literals need an even number of hex digits', start, i - start);
      tokens.push({ kind: 'bytes', text, value: text, offset: start });
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      while (i < source.length && /[0-9]/.test(source[i])) i++;
      let kind: TokenKind = 'int';
      if (source[i] === '.' && !/[A-Za-z_]/.test(source[i + 1] ?? '')) {
        kind = 'float';
        i++;
        while (i < source.length && /[0-9]/.test(source[i])) i++;
      }
      if ((source[i] === 'e' || source[i] === 'E') && /[-+0-9]/.test(source[i + 1] ?? '')) {
        kind = 'float';
        i += 2;
        while (i < source.length && /[0-9]/.test(source[i])) i++;
      }
      const text = source.slice(start, i);
      tokens.push({ kind, text, value: text, offset: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i])) i++;
      const text = source.slice(start, i);
      tokens.push({ kind: 'ident', text, value: text, offset: start });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      i += 2;
      tokens.push({ kind: 'op', text: two, value: two, offset: start });
      continue;
    }
    if ('<>+-*/'.includes(c)) {
      i++;
      tokens.push({ kind: 'op', text: c, value: c, offset: start });
      continue;
    }
    if ('()[]{},.:='.includes(c)) {
      i++;
      tokens.push({ kind: 'punct', text: c, value: c, offset: start });
      continue;
    }
    throw new OttlSyntaxError(`unexpected character "${c}"`, start);
  }
  tokens.push({ kind: 'eof', text: '', value: '', offset: source.length });
  return tokens;
}

// ---- syntax tree ----

export interface Span {
  offset: number;
  length: number;
}

export type Key = { kind: 'string'; value: string; at: Span } | { kind: 'int'; value: number; at: Span } | { kind: 'expr'; expr: ValueNode; at: Span };

export interface PathNode {
  type: 'path';
  /** Dotted names: `resource`, `attributes`. */
  names: string[];
  keys: Key[];
  at: Span;
  nameAt: Span[];
}

export interface CallNode {
  type: 'call';
  name: string;
  args: ArgNode[];
  /** Keys after a converter call: `ParseJSON(body)["a"]`. */
  keys: Key[];
  at: Span;
}

export interface ArgNode {
  name: string | undefined;
  value: ValueNode;
  at: Span;
}

export type LiteralValue = string | bigint | number | boolean | null | Uint8Array;

export type ValueNode =
  | { type: 'literal'; value: LiteralValue; at: Span }
  | PathNode
  | { type: 'enum'; name: string; at: Span }
  | CallNode
  | { type: 'list'; items: ValueNode[]; at: Span }
  | { type: 'map'; entries: Array<{ key: string; value: ValueNode }>; at: Span }
  | { type: 'math'; op: '+' | '-' | '*' | '/'; left: ValueNode; right: ValueNode; at: Span }
  /** A bare function name as an argument (`replace_pattern(..., SHA256)`). */
  | { type: 'funcref'; name: string; at: Span };

export type BoolNode =
  | { type: 'or' | 'and'; left: BoolNode; right: BoolNode; at: Span }
  | { type: 'not'; operand: BoolNode; at: Span }
  | { type: 'compare'; op: '==' | '!=' | '<' | '<=' | '>' | '>='; left: ValueNode; right: ValueNode; at: Span }
  | { type: 'value'; value: ValueNode; at: Span };

export interface StatementNode {
  editor: CallNode;
  where: BoolNode | undefined;
}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(source: string) {
    this.#tokens = tokenize(source);
  }

  get #peek(): Token {
    return this.#tokens[this.#at];
  }

  #next(): Token {
    return this.#tokens[this.#at++];
  }

  #is(kind: TokenKind, text?: string, ahead = 0): boolean {
    const token = this.#tokens[this.#at + ahead];
    return token !== undefined && token.kind === kind && (text === undefined || token.text === text);
  }

  #expect(kind: TokenKind, text: string, what = `"${text}"`): Token {
    if (!this.#is(kind, text)) throw this.#unexpected(`expected ${what}`);
    return this.#next();
  }

  #unexpected(expected: string): OttlSyntaxError {
    const token = this.#peek;
    const found = token.kind === 'eof' ? 'the end of the statement' : `"${token.text}"`;
    return new OttlSyntaxError(`${expected}, found ${found}`, token.offset, token.text.length);
  }

  #spanFrom(start: number): Span {
    const last = this.#tokens[this.#at - 1];
    return { offset: start, length: last.offset + last.text.length - start };
  }

  end(): void {
    if (!this.#is('eof')) throw this.#unexpected('expected the end of the statement');
  }

  statement(): StatementNode {
    const token = this.#peek;
    if (token.kind !== 'ident' || !this.#is('punct', '(', 1)) throw this.#unexpected('a statement starts with an editor call such as set(...)');
    if (!/^[a-z]/.test(token.text)) throw new OttlSyntaxError(`"${token.text}" is a converter; a statement starts with an editor (a lower-case function such as set)`, token.offset, token.text.length);
    const editor = this.#call();
    let where: BoolNode | undefined;
    if (this.#is('ident', 'where')) {
      this.#next();
      where = this.boolExpr();
    }
    this.end();
    return { editor, where };
  }

  boolExpr(): BoolNode {
    const start = this.#peek.offset;
    let left = this.#andExpr();
    while (this.#is('ident', 'or')) {
      this.#next();
      const right = this.#andExpr();
      left = { type: 'or', left, right, at: this.#spanFrom(start) };
    }
    return left;
  }

  #andExpr(): BoolNode {
    const start = this.#peek.offset;
    let left = this.#notExpr();
    while (this.#is('ident', 'and')) {
      this.#next();
      const right = this.#notExpr();
      left = { type: 'and', left, right, at: this.#spanFrom(start) };
    }
    return left;
  }

  #notExpr(): BoolNode {
    const start = this.#peek.offset;
    if (this.#is('ident', 'not')) {
      this.#next();
      const operand = this.#notExpr();
      return { type: 'not', operand, at: this.#spanFrom(start) };
    }
    if (this.#is('punct', '(')) {
      // "(a or b)" groups a condition; "(end - start) / 1000 > 5" groups math: try the first,
      // and read it as a value when an operator follows the closing parenthesis.
      const save = this.#at;
      try {
        this.#next();
        const inner = this.boolExpr();
        this.#expect('punct', ')');
        if (this.#peek.kind !== 'op') return inner;
      } catch (error) {
        if (!(error instanceof OttlSyntaxError)) throw error;
      }
      this.#at = save;
    }
    const left = this.value();
    if (this.#peek.kind === 'op' && COMPARE_OPS.has(this.#peek.text)) {
      const op = this.#next().text as '==';
      const right = this.value();
      return { type: 'compare', op, left, right, at: this.#spanFrom(start) };
    }
    return { type: 'value', value: left, at: left.at };
  }

  value(): ValueNode {
    const start = this.#peek.offset;
    let left = this.#term();
    while (this.#is('op', '+') || this.#is('op', '-')) {
      const op = this.#next().text as '+';
      const right = this.#term();
      left = { type: 'math', op, left, right, at: this.#spanFrom(start) };
    }
    return left;
  }

  #term(): ValueNode {
    const start = this.#peek.offset;
    let left = this.#factor();
    while (this.#is('op', '*') || this.#is('op', '/')) {
      const op = this.#next().text as '*';
      const right = this.#factor();
      left = { type: 'math', op, left, right, at: this.#spanFrom(start) };
    }
    return left;
  }

  #factor(): ValueNode {
    const token = this.#peek;
    const start = token.offset;
    if (token.kind === 'op' && token.text === '-' && (this.#is('int', undefined, 1) || this.#is('float', undefined, 1))) {
      this.#next();
      const number = this.#next();
      const value = number.kind === 'int' ? -BigInt(number.text) : -Number(number.text);
      return { type: 'literal', value, at: this.#spanFrom(start) };
    }
    if (token.kind === 'punct' && token.text === '(') {
      this.#next();
      const inner = this.value();
      this.#expect('punct', ')');
      return inner;
    }
    return this.#atom();
  }

  #atom(): ValueNode {
    const token = this.#peek;
    const start = token.offset;
    switch (token.kind) {
      case 'string':
        this.#next();
        return { type: 'literal', value: token.value, at: this.#spanFrom(start) };
      case 'int':
        this.#next();
        return { type: 'literal', value: BigInt(token.text), at: this.#spanFrom(start) };
      case 'float':
        this.#next();
        return { type: 'literal', value: Number(token.text), at: this.#spanFrom(start) };
      case 'bytes':
        this.#next();
        return { type: 'literal', value: Uint8Array.from(Buffer.from(token.text.slice(2), 'hex')), at: this.#spanFrom(start) };
      case 'punct':
        if (token.text === '[') return this.#list();
        if (token.text === '{') return this.#map();
        break;
      case 'ident': {
        if (token.text === 'true' || token.text === 'false') {
          this.#next();
          return { type: 'literal', value: token.text === 'true', at: this.#spanFrom(start) };
        }
        if (token.text === 'nil') {
          this.#next();
          return { type: 'literal', value: null, at: this.#spanFrom(start) };
        }
        if (this.#is('punct', '(', 1)) {
          if (/^[a-z]/.test(token.text)) throw new OttlSyntaxError(`"${token.text}" is an editor; only converters (capitalised, such as Concat) return values`, token.offset, token.text.length);
          return this.#call();
        }
        if (/^[A-Z][A-Z0-9_]*$/.test(token.text) && !this.#is('punct', '.', 1) && !this.#is('punct', '[', 1)) {
          this.#next();
          // One capital word (SHA256) in an argument is a function reference; a compile step decides.
          return /_/.test(token.text) ? { type: 'enum', name: token.text, at: this.#spanFrom(start) } : { type: 'funcref', name: token.text, at: this.#spanFrom(start) };
        }
        if (/^[A-Z]/.test(token.text) && !this.#is('punct', '.', 1) && !this.#is('punct', '[', 1)) {
          this.#next();
          return { type: 'funcref', name: token.text, at: this.#spanFrom(start) };
        }
        if (token.text === 'where' || token.text === 'and' || token.text === 'or' || token.text === 'not') break;
        return this.#path();
      }
    }
    throw this.#unexpected('expected a value');
  }

  #path(): PathNode {
    const start = this.#peek.offset;
    const names: string[] = [];
    const nameAt: Span[] = [];
    for (;;) {
      const name = this.#next();
      if (name.kind !== 'ident') {
        this.#at--;
        throw this.#unexpected('expected a path name');
      }
      names.push(name.text);
      nameAt.push({ offset: name.offset, length: name.text.length });
      if (!this.#is('punct', '.')) break;
      this.#next();
    }
    const keys = this.#keys();
    return { type: 'path', names, keys, nameAt, at: this.#spanFrom(start) };
  }

  #keys(): Key[] {
    const keys: Key[] = [];
    while (this.#is('punct', '[')) {
      this.#next();
      const token = this.#peek;
      const start = token.offset;
      if (token.kind === 'string' && this.#is('punct', ']', 1)) {
        this.#next();
        keys.push({ kind: 'string', value: token.value, at: { offset: start, length: token.text.length } });
      } else if (token.kind === 'int' && this.#is('punct', ']', 1)) {
        this.#next();
        keys.push({ kind: 'int', value: Number(token.text), at: { offset: start, length: token.text.length } });
      } else {
        const expr = this.value();
        keys.push({ kind: 'expr', expr, at: expr.at });
      }
      this.#expect('punct', ']');
    }
    return keys;
  }

  #call(): CallNode {
    const name = this.#next();
    const start = name.offset;
    this.#expect('punct', '(');
    const args: ArgNode[] = [];
    while (!this.#is('punct', ')')) {
      if (args.length > 0) this.#expect('punct', ',', '"," or ")"');
      const argStart = this.#peek.offset;
      let argName: string | undefined;
      if (this.#is('ident') && this.#is('punct', '=', 1)) {
        argName = this.#next().text;
        this.#next();
      }
      const value = this.value();
      args.push({ name: argName, value, at: this.#spanFrom(argStart) });
    }
    this.#next();
    const keys = this.#keys();
    return { type: 'call', name: name.text, args, keys, at: this.#spanFrom(start) };
  }

  #list(): ValueNode {
    const start = this.#next().offset;
    const items: ValueNode[] = [];
    while (!this.#is('punct', ']')) {
      if (items.length > 0) this.#expect('punct', ',', '"," or "]"');
      items.push(this.value());
    }
    this.#next();
    return { type: 'list', items, at: this.#spanFrom(start) };
  }

  #map(): ValueNode {
    const start = this.#next().offset;
    const entries: Array<{ key: string; value: ValueNode }> = [];
    while (!this.#is('punct', '}')) {
      if (entries.length > 0) this.#expect('punct', ',', '"," or "}"');
      const key = this.#peek;
      if (key.kind !== 'string') throw this.#unexpected('expected a string map key');
      this.#next();
      this.#expect('punct', ':');
      entries.push({ key: key.value, value: this.value() });
    }
    this.#next();
    return { type: 'map', entries, at: this.#spanFrom(start) };
  }
}

export function parseStatement(source: string): StatementNode {
  return new Parser(source).statement();
}

export function parseCondition(source: string): BoolNode {
  const parser = new Parser(source);
  const node = parser.boolExpr();
  parser.end();
  return node;
}
