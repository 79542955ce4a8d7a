import { describe, expect, test } from 'vitest';
import { compileCondition, compileStatement, describeError, EvalContext, OttlSyntaxError, type ContextName } from '../../src/ottl/index.ts';
import type { LogRecord, Span } from '../../src/otlp/types.ts';
import { kv, s, span } from './helpers.ts';

/** GET /health, 250 ms, status ERROR, three attributes; `over` replaces any field. */
function healthSpan(over: Partial<Span> = {}): Span {
  const attributes = [kv('http.route', s('/health')), kv('http.status_code', { intValue: 200n }), kv('password', s('hunter2'))];
  return span('GET /health', attributes, { startTimeUnixNano: 1_000_000_000n, endTimeUnixNano: 1_250_000_000n, status: { code: 2, message: 'boom' }, ...over });
}

function spanCtx(sp: Span): EvalContext {
  const ctx = new EvalContext();
  ctx.resourceHolder = { resource: { attributes: [kv('service.name', s('checkout'))], droppedAttributesCount: 0, entityRefs: [] } };
  ctx.scopeHolder = { scope: { name: 'io.opentelemetry.http', version: '1.0', attributes: [], droppedAttributesCount: 0 } };
  ctx.span = sp;
  return ctx;
}

const cond = (text: string, context: ContextName = 'span') => compileCondition(text, context, { allowUnprefixed: true });
const run = (text: string, ctx: EvalContext, context: ContextName = 'span') => compileStatement(text, context, { allowUnprefixed: true }).run(ctx);

function syntaxError(fn: () => unknown): OttlSyntaxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OttlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected an OttlSyntaxError');
}

describe('OTTL conditions', () => {
  test('paths, enums, comparisons and boolean operators', () => {
    const ctx = spanCtx(healthSpan());
    expect(cond('attributes["http.route"] == "/health"').test(ctx)).toBe(true);
    expect(cond('kind == SPAN_KIND_SERVER and status.code == STATUS_CODE_ERROR').test(ctx)).toBe(true);
    expect(cond('kind == SPAN_KIND_CLIENT or not (name != "GET /health")').test(ctx)).toBe(true);
    expect(cond('attributes["http.status_code"] >= 500').test(ctx)).toBe(false);
    expect(cond('attributes["http.status_code"] < 300.5').test(ctx)).toBe(true);
    expect(cond('resource.attributes["service.name"] == "checkout"').test(ctx)).toBe(true);
    expect(cond('instrumentation_scope.name == "io.opentelemetry.http"').test(ctx)).toBe(true);
    expect(cond('attributes["missing"] == nil').test(ctx)).toBe(true);
    expect(cond('attributes["http.route"] == 1').test(ctx)).toBe(false);
    expect(cond('IsMatch(name, "^GET /he.*")').test(ctx)).toBe(true);
    expect(cond('end_time_unix_nano - start_time_unix_nano > 200000000').test(ctx)).toBe(true);
    expect(cond('end_time - start_time < Duration("300ms")').test(ctx)).toBe(true);
    expect(cond('(end_time_unix_nano - start_time_unix_nano) / 1000000 == 250').test(ctx)).toBe(true);
    expect(cond('span.name == "GET /health"', 'span').test(ctx)).toBe(true);
    expect(cond('Len(attributes) == 3').test(ctx)).toBe(true);
  });

  test('log severity enums and body', () => {
    const log: LogRecord = {
      timeUnixNano: 0n,
      observedTimeUnixNano: 0n,
      severityNumber: 13,
      severityText: 'WARN',
      body: s('request failed'),
      attributes: [],
      droppedAttributesCount: 0,
      flags: 0,
      traceId: new Uint8Array(0),
      spanId: new Uint8Array(0),
      eventName: '',
    };
    const ctx = new EvalContext();
    ctx.log = log;
    expect(cond('severity_number >= SEVERITY_NUMBER_WARN', 'log').test(ctx)).toBe(true);
    expect(cond('severity_number < SEVERITY_NUMBER_WARN', 'log').test(ctx)).toBe(false);
    expect(cond('log.body == "request failed"', 'log').test(ctx)).toBe(true);
    run('set(log.severity_text, "FAIL") where log.body == "request failed"', ctx, 'log');
    expect(log.severityText).toBe('FAIL');
  });
});

describe('OTTL editors and converters', () => {
  test('set, delete_key, keep_keys, limit and truncate_all change the span in place', () => {
    const sp = healthSpan();
    const ctx = spanCtx(sp);
    run('set(attributes["deployment.environment"], "prod")', ctx);
    run('set(attributes["copy"], resource.attributes["service.name"])', ctx);
    run('set(attributes["nothing"], attributes["missing"])', ctx);
    expect(sp.attributes.find((a) => a.key === 'deployment.environment')?.value).toEqual(s('prod'));
    expect(sp.attributes.find((a) => a.key === 'copy')?.value).toEqual(s('checkout'));
    expect(sp.attributes.some((a) => a.key === 'nothing')).toBe(false);
    run('delete_key(attributes, "password")', ctx);
    expect(sp.attributes.map((a) => a.key)).toEqual(['http.route', 'http.status_code', 'deployment.environment', 'copy']);
    run('keep_keys(attributes, ["http.route", "copy", "deployment.environment"])', ctx);
    expect(sp.attributes.map((a) => a.key)).toEqual(['http.route', 'deployment.environment', 'copy']);
    run('limit(attributes, 2, ["copy"])', ctx);
    expect(sp.attributes.map((a) => a.key)).toEqual(['http.route', 'copy']);
    run('truncate_all(attributes, 3)', ctx);
    expect(sp.attributes.map((a) => a.value.stringValue)).toEqual(['/he', 'che']);
  });

  test('replace_pattern uses Go replacement syntax; replace_all_patterns and replace_match', () => {
    const sp = healthSpan({ attributes: [kv('cmd', s('run --password=secret --user=bob')), kv('path', s('/user/42/list/7')), kv('other', s('/account/1234'))] });
    const ctx = spanCtx(sp);
    run('replace_pattern(attributes["cmd"], "password=([^\\\\s]*)", "password=***")', ctx);
    expect(sp.attributes[0].value.stringValue).toBe('run --password=*** --user=bob');
    run('replace_pattern(attributes["cmd"], "--(?P<flag>\\\\w+)=", "${flag}:")', ctx);
    expect(sp.attributes[0].value.stringValue).toBe('run password:*** user:bob');
    run('replace_all_patterns(attributes, "value", "/account/\\\\d{4}", "/account/{accountId}")', ctx);
    expect(sp.attributes[2].value.stringValue).toBe('/account/{accountId}');
    run('replace_match(attributes["path"], "/user/*/list/*", "/user/{userId}/list/{listId}")', ctx);
    expect(sp.attributes[1].value.stringValue).toBe('/user/{userId}/list/{listId}');
    run('replace_all_patterns(attributes, "key", "^cm(d)$", "command$1")', ctx);
    expect(sp.attributes[0].key).toBe('commandd');
  });

  test('converters: Concat, Split, SHA256, Int, String, ParseJSON, merge_maps and nested keys', () => {
    const sp = healthSpan({ attributes: [kv('method', s('GET')), kv('json', s('{"a":{"b":1},"c":"x"}')), kv('csv', s('a,b,c'))] });
    const ctx = spanCtx(sp);
    run('set(name, Concat([attributes["method"], "/x", 1], " "))', ctx);
    expect(sp.name).toBe('GET /x 1');
    run('set(attributes["parts"], Split(attributes["csv"], ","))', ctx);
    expect(sp.attributes.find((a) => a.key === 'parts')?.value.arrayValue?.values.map((v) => v.stringValue)).toEqual(['a', 'b', 'c']);
    run('set(attributes["h"], SHA256("abc"))', ctx);
    expect(sp.attributes.find((a) => a.key === 'h')?.value.stringValue).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    run('set(attributes["n"], Int("42"))', ctx);
    expect(sp.attributes.find((a) => a.key === 'n')?.value.intValue).toBe(42n);
    run('set(attributes["s"], String(3.5))', ctx);
    expect(sp.attributes.find((a) => a.key === 's')?.value.stringValue).toBe('3.5');
    run('merge_maps(attributes, ParseJSON(attributes["json"]), "upsert")', ctx);
    expect(sp.attributes.find((a) => a.key === 'c')?.value.stringValue).toBe('x');
    run('set(attributes["a"]["b"], 2)', ctx);
    expect(compileCondition('attributes["a"]["b"] == 2', 'span', { allowUnprefixed: true }).test(ctx)).toBe(true);
    run('set(cache["x"], "y")', ctx);
    run('set(attributes["from_cache"], cache["x"])', ctx);
    expect(sp.attributes.find((a) => a.key === 'from_cache')?.value.stringValue).toBe('y');
  });
});

describe('OTTL errors point at the bad token', () => {
  test.each([
    ['set(attributes["a"], Nope(1))', 'unknown converter "Nope"', 'Nope'],
    ['set(atributes["a"], 1)', 'unknown path "atributes"', 'atributes'],
    ['sett(name, "x")', 'unknown editor "sett"', 'sett'],
    ['set(name, 1)', 'the target holds a string, the value is an int', '1'],
    ['limit(attributes, "10", [])', '"limit" must be an int literal', '"10"'],
    ['delete_key(name, "x")', 'must be a path to a map', 'name'],
    ['set(name, "x") where kind == SPAN_KIND_SERVR', 'unknown enum "SPAN_KIND_SERVR"', 'SPAN_KIND_SERVR'],
    ['replace_pattern(name, "(", "x")', 'a valid RE2 pattern', '"("'],
    ['flatten(attributes)', 'flatten is not supported by Sluice yet', 'flatten'],
    ['set(name, "x") where attributes["a"] ==', 'expected a value', ''],
  ])('%s', (source, message, token) => {
    const error = syntaxError(() => compileStatement(source, 'span', { allowUnprefixed: true }));
    expect(error.message).toContain(message);
    if (token !== '') expect(source.slice(error.offset, error.offset + error.length)).toBe(token);
    const text = describeError(source, error);
    expect(text.split('\n')[2].indexOf('^')).toBe(4 + error.offset);
  });

  test('a path of another context, and an unprefixed path in inferred form', () => {
    expect(syntaxError(() => compileStatement('set(log.body, "x")', 'span', { allowUnprefixed: true })).message).toContain('not available in the span context');
    expect(syntaxError(() => compileStatement('set(name, "x")', 'span', { allowUnprefixed: false })).message).toContain('needs a context prefix');
  });
});

describe('linear-time patterns', () => {
  test('a 1 MiB value through replace_pattern with a pattern that backtracks in JS', () => {
    const value = `${'a'.repeat(1024 * 1024)}!`;
    const sp = healthSpan({ attributes: [kv('big', s(value))] });
    const ctx = spanCtx(sp);
    // (a+)+$ is catastrophic for a backtracking engine on "aaaa…!"; RE2 is linear.
    run('replace_pattern(attributes["big"], "(a|aa)+b", "x")', ctx);
    run('replace_pattern(attributes["big"], "a{3}!", "END")', ctx);
    expect(sp.attributes[0].value.stringValue!.endsWith('aEND')).toBe(true);
    expect(sp.attributes[0].value.stringValue!.length).toBe(1024 * 1024 - 3 + 3);
  });
});
