import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { countItems, decodeRequest, encodeRequest } from '../../src/otlp/index.ts';
import { attrs, kv, s, span } from './helpers.ts';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue, Span } from '../../src/otlp/types.ts';
import { attributesConfigSchema, createAttributesEdit } from '../../src/processors/attributes/index.ts';
import { createFilter, filterConfigSchema } from '../../src/processors/filter/index.ts';
import { createResourceEdit, resourceConfigSchema } from '../../src/processors/resource/index.ts';
import { createTransform, transformConfigSchema } from '../../src/processors/transform/index.ts';

// The four processors on hand-built batches, with the examples of the Collector's READMEs as facts.

function traces(spans: Span[], service = 'checkout', scopeName = 'lib'): ExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', service)], droppedAttributesCount: 0, entityRefs: [] },
        scopeSpans: [{ scope: { name: scopeName, version: '1.0', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

function batchOf<T extends ExportTraceServiceRequest | ExportLogsServiceRequest | ExportMetricsServiceRequest>(signal: 'traces' | 'logs' | 'metrics', request: T, encoded = false) {
  const metadata = { ...internalMetadata(), headers: { 'x-tenant': 'acme' }, clientAddress: '10.0.0.1' };
  if (!encoded) return Batch.fromRequest(signal, request as never, metadata);
  const bytes = encodeRequest(signal, request as never);
  return Batch.fromBytes(signal, bytes, countItems(signal, request as never), metadata);
}

const spansOf = (batch: Batch) => (batch.request as ExportTraceServiceRequest).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

describe('attributes', () => {
  test("the README's sample actions, in order", () => {
    const config = attributesConfigSchema.parse({
      actions: [
        { key: 'db.table', action: 'delete' },
        { key: 'redacted_span', value: true, action: 'upsert' },
        { key: 'copy_key', from_attribute: 'key_original', action: 'update' },
        { key: 'account_id', value: 2245, action: 'insert' },
        { key: 'account_password', action: 'delete' },
        { key: 'account_email', action: 'hash' },
        { key: 'http.status_code', action: 'convert', converted_type: 'int' },
        { key: 'region', from_attribute: 'cloud.region', default_value: 'us-east-1', action: 'insert' },
        { key: 'tenant_id', from_context: 'metadata.x-tenant', default_value: 'default-tenant', action: 'upsert' },
      ],
    });
    const sp = span('GET', [kv('db.table', 'users'), kv('copy_key', 'old'), kv('key_original', 'new'), kv('account_password', 'x'), kv('account_email', 'a@b.c'), kv('http.status_code', '503')]);
    const batch = batchOf('traces', traces([sp]));
    createAttributesEdit(config, 'traces')(batch);
    const out = attrs(spansOf(batch)[0].attributes);
    expect(out['db.table']).toBeUndefined();
    expect(out['redacted_span']).toEqual({ boolValue: true });
    expect(out['copy_key']).toEqual(s('new'));
    expect(out['account_id']).toEqual({ intValue: 2245n });
    expect(out['account_password']).toBeUndefined();
    expect(out['account_email']).toEqual(s(sha1('a@b.c')));
    expect(out['http.status_code']).toEqual({ intValue: 503n });
    expect(out['region']).toEqual(s('us-east-1'));
    expect(out['tenant_id']).toEqual(s('acme'));
  });

  test('constant upserts and deletes on encoded spans give what the decoded path gives', () => {
    const config = attributesConfigSchema.parse({
      include: { match_type: 'strict', span_names: ['a', 'b'] },
      actions: [
        { key: 'env', value: 'prod', action: 'upsert' },
        { key: 'n', value: -7, action: 'upsert' },
        { key: 'ratio', value: 0.25, action: 'insert' },
        { key: 'flag', value: true, action: 'update' },
        { key: 'secret', action: 'delete' },
      ],
    });
    const request = () => traces([
      span('a', [kv('secret', 'x'), kv('env', 'dev'), kv('ratio', { doubleValue: 1 })]),
      span('b', [kv('flag', { boolValue: false }), kv('ü', 'ß')], { status: { code: 2, message: 'e' } }),
      span('c', [kv('secret', 'kept: not included')]),
    ]);
    const onBytes = batchOf('traces', request(), true);
    const onObjects = batchOf('traces', request(), false);
    createAttributesEdit(config, 'traces')(onBytes);
    createAttributesEdit(config, 'traces')(onObjects);
    expect(onBytes.hasBytes).toBe(true);
    const got = decodeRequest('traces', onBytes.bytes());
    expect(got).toEqual(decodeRequest('traces', onObjects.bytes()));
    const names = got.resourceSpans[0].scopeSpans[0].spans.map((sp) => attrs(sp.attributes));
    expect(names[0]).toEqual({ env: s('prod'), ratio: { doubleValue: 1 }, n: { intValue: -7n } });
    expect(names[1]).toEqual({ flag: { boolValue: true }, 'ü': s('ß'), env: s('prod'), n: { intValue: -7n }, ratio: { doubleValue: 0.25 } });
    expect(names[2]).toEqual({ secret: s('kept: not included') });
  });

  test('on bytes, a KeyValue written value first is still found by its key', () => {
    // span { name: "a" (5), attributes (9): KeyValue { value: { string "old" }, key: "env" } }
    const kvBody = [0x12, 5, 0x0a, 3, ...Buffer.from('old'), 0x0a, 3, ...Buffer.from('env')];
    const spanBody = [0x2a, 1, 0x61, 0x4a, kvBody.length, ...kvBody];
    const scope = [0x12, spanBody.length, ...spanBody];
    const resource = [0x12, scope.length, ...scope];
    const bytes = Uint8Array.from([0x0a, resource.length, ...resource]);
    const batch = Batch.fromBytes('traces', bytes, 1, internalMetadata());
    createAttributesEdit(attributesConfigSchema.parse({ actions: [{ key: 'env', value: 'prod', action: 'upsert' }] }), 'traces')(batch);
    expect(decodeRequest('traces', batch.bytes()).resourceSpans[0].scopeSpans[0].spans[0].attributes).toEqual([kv('env', 'prod')]);
  });

  test('extract named groups, delete and hash by pattern', () => {
    const config = attributesConfigSchema.parse({
      actions: [
        { key: 'http.url', pattern: '^https?://(?P<http_host>[^/]+)(?P<http_path>/[^?]*)', action: 'extract' },
        { pattern: '^secret\\.', action: 'delete' },
        { pattern: '^user\\.', action: 'hash' },
      ],
    });
    const sp = span('x', [kv('http.url', 'https://shop.example/cart?id=1'), kv('secret.a', '1'), kv('secret.b', '2'), kv('user.id', { intValue: 42n })]);
    const batch = batchOf('traces', traces([sp]));
    createAttributesEdit(config, 'traces')(batch);
    const out = attrs(spansOf(batch)[0].attributes);
    expect(out['http_host']).toEqual(s('shop.example'));
    expect(out['http_path']).toEqual(s('/cart'));
    expect(Object.keys(out).some((k) => k.startsWith('secret.'))).toBe(false);
    // SHA-1 of 42 as 8 little-endian bytes, as the Collector hashes an int.
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(42n);
    expect(out['user.id']).toEqual(s(sha1(bytes)));
  });

  test('include and exclude limit which spans are edited', () => {
    const config = attributesConfigSchema.parse({
      include: { match_type: 'regexp', services: ['^check'], span_names: ['^GET '] },
      exclude: { match_type: 'strict', attributes: [{ key: 'skip', value: true }] },
      actions: [{ key: 'seen', value: 'yes', action: 'upsert' }],
    });
    const batch = batchOf('traces', traces([span('GET /a', []), span('POST /a', []), span('GET /b', [kv('skip', { boolValue: true })])]));
    createAttributesEdit(config, 'traces')(batch);
    expect(spansOf(batch).map((sp) => attrs(sp.attributes)['seen']?.stringValue)).toEqual(['yes', undefined, undefined]);
    const other = batchOf('traces', traces([span('GET /a', [])], 'frontend'));
    createAttributesEdit(config, 'traces')(other);
    expect(attrs(spansOf(other)[0].attributes)['seen']).toBeUndefined();
  });

  test('logs: severity and body matching; metrics: data point attributes', () => {
    const config = attributesConfigSchema.parse({
      include: { match_type: 'strict', log_severity_number: { min: 'WARN', match_undefined: false }, log_bodies: ['disk full'] },
      actions: [{ key: 'alert', value: true, action: 'insert' }],
    });
    const log = (severityNumber: number, body: string) => ({ timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber, severityText: '', body: s(body), attributes: [] as KeyValue[], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' });
    const request: ExportLogsServiceRequest = { resourceLogs: [{ resource: undefined, scopeLogs: [{ scope: undefined, logRecords: [log(17, 'disk full'), log(9, 'disk full'), log(17, 'ok')], schemaUrl: '' }], schemaUrl: '' }] };
    const batch = batchOf('logs', request);
    createAttributesEdit(config, 'logs')(batch);
    expect((batch.request as ExportLogsServiceRequest).resourceLogs[0].scopeLogs[0].logRecords.map((l) => l.attributes.length)).toEqual([1, 0, 0]);

    const metrics: ExportMetricsServiceRequest = {
      resourceMetrics: [{ resource: undefined, schemaUrl: '', scopeMetrics: [{ scope: undefined, schemaUrl: '', metrics: [{ name: 'requests', description: '', unit: '', metadata: [], sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: [kv('pod', 'a')], startTimeUnixNano: 0n, timeUnixNano: 1n, asInt: 3n, exemplars: [], flags: 0 }] } }] }] }],
    };
    const mb = batchOf('metrics', metrics);
    createAttributesEdit(attributesConfigSchema.parse({ include: { match_type: 'strict', metric_names: ['requests'] }, actions: [{ key: 'pod', action: 'delete' }] }), 'metrics')(mb);
    expect((mb.request as ExportMetricsServiceRequest).resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints[0].attributes).toEqual([]);
  });

  test('configs the Collector refuses are refused', () => {
    expect(attributesConfigSchema.safeParse({ actions: [{ key: 'a', action: 'insert' }] }).success).toBe(false);
    expect(attributesConfigSchema.safeParse({ actions: [{ key: 'a', action: 'upsertt', value: 1 }] }).success).toBe(false);
    expect(attributesConfigSchema.safeParse({ actions: [{ key: 'a', action: 'extract', pattern: '(\\d+)' }] }).success).toBe(false);
    expect(attributesConfigSchema.safeParse({ actions: [{ key: 'a', action: 'convert' }] }).success).toBe(false);
    expect(() => createAttributesEdit(attributesConfigSchema.parse({ include: { match_type: 'strict', span_names: ['x'] }, actions: [{ key: 'a', action: 'delete' }] }), 'metrics')).toThrow(/span_names does not apply to metrics/);
  });
});

describe('resource', () => {
  test('edits resource attributes on encoded bytes without decoding spans, and on decoded requests', () => {
    const config = resourceConfigSchema.parse({
      attributes: [
        { key: 'deployment.environment', value: 'production', action: 'upsert' },
        { key: 'cloud.zone', value: 'zone-1', action: 'insert' },
        { key: 'service.name', action: 'hash' },
        { key: 'k8s.pod.uid', action: 'delete' },
      ],
    });
    for (const encoded of [true, false]) {
      const request = traces([span('a', [kv('keep', 'me')])]);
      request.resourceSpans[0].resource!.attributes.push(kv('k8s.pod.uid', 'u1'));
      const batch = batchOf('traces', request, encoded);
      createResourceEdit(config, 'traces')(batch);
      const out = decodeRequest('traces', batch.bytes());
      const resource = attrs(out.resourceSpans[0].resource!.attributes);
      expect(resource['deployment.environment']).toEqual(s('production'));
      expect(resource['cloud.zone']).toEqual(s('zone-1'));
      expect(resource['service.name']).toEqual(s(sha1('checkout')));
      expect(resource['k8s.pod.uid']).toBeUndefined();
      expect(attrs(out.resourceSpans[0].scopeSpans[0].spans[0].attributes)['keep']).toEqual(s('me'));
    }
  });
});

describe('filter', () => {
  const parse = (config: unknown) => filterConfigSchema.parse(config);
  const noErrors = { onError: (_c: string, e: Error) => { throw e; } };

  test("README example: drop health checks by route and by span name; a dropped span's events go with it", () => {
    const config = parse({
      error_mode: 'ignore',
      traces: { span: ['attributes["http.route"] == "/healthz"', 'IsMatch(name, ".*grpc.health.*")'] },
    });
    const batch = batchOf('traces', traces([span('GET /healthz', [kv('http.route', '/healthz')]), span('grpc.health.v1.Health/Check', []), span('GET /cart', [kv('http.route', '/cart')])]), true);
    const out = createFilter(config, 'traces', noErrors)(batch);
    expect(out).not.toBeNull();
    expect(spansOf(out!).map((sp) => sp.name)).toEqual(['GET /cart']);
    expect(out!.itemCount).toBe(1);
    expect(decodeRequest('traces', out!.bytes()).resourceSpans[0].scopeSpans[0].spans.map((sp) => sp.events.length)).toEqual([1]);
  });

  test('on encoded traces the result is the same as on decoded ones: empty scopes and resources go', () => {
    const config = parse({ traces: { span: ['attributes["http.route"] == "/healthz" or name == "drop"', 'kind == SPAN_KIND_CLIENT and resource.attributes["service.name"] == "cart"'] } });
    const request = (): ExportTraceServiceRequest => {
      const a = traces([span('GET /healthz', [kv('http.route', '/healthz')]), span('keep', [kv('http.route', '/x')], { status: { code: 2, message: 'm' } })], 'checkout');
      const b = traces([span('drop', []), span('c', [], { kind: 3 })], 'cart');
      const c = traces([span('keep too', [kv('n', { intValue: 5n })])], 'web');
      c.resourceSpans[0].scopeSpans.push({ scope: undefined, spans: [span('drop', [])], schemaUrl: 'u' });
      return { resourceSpans: [...a.resourceSpans, ...b.resourceSpans, ...c.resourceSpans] };
    };
    const fromBytes = createFilter(config, 'traces', noErrors)(batchOf('traces', request(), true))!;
    const fromObjects = createFilter(config, 'traces', noErrors)(batchOf('traces', request(), false))!;
    expect(fromBytes.hasBytes).toBe(true);
    expect(fromBytes.itemCount).toBe(2);
    expect(decodeRequest('traces', fromBytes.bytes())).toEqual(decodeRequest('traces', fromObjects.bytes()));
    expect(decodeRequest('traces', fromBytes.bytes()).resourceSpans.map((rs) => rs.scopeSpans.map((ss) => ss.spans.map((sp) => sp.name)))).toEqual([[['keep']], [['keep too']]]);
  });

  test('a batch where nothing matches keeps its bytes; one where everything matches is dropped', () => {
    const config = parse({ traces: { span: ['name == "nothing"'] } });
    const batch = batchOf('traces', traces([span('GET /cart', [])]), true);
    const bytes = batch.bytes();
    expect(createFilter(config, 'traces', noErrors)(batch)?.bytes()).toBe(bytes);
    const all = parse({ traces: { span: ['kind == SPAN_KIND_SERVER'] } });
    expect(createFilter(all, 'traces', noErrors)(batchOf('traces', traces([span('a', [])])))).toBeNull();
  });

  test('span events, resources, and inferred trace_conditions', () => {
    const events = parse({ traces: { spanevent: ['name == "ev"'] } });
    const kept = createFilter(events, 'traces', noErrors)(batchOf('traces', traces([span('a', [])])));
    expect(spansOf(kept!)[0].events).toEqual([]);
    const resources = parse({ trace_conditions: ['resource.attributes["service.name"] == "checkout"'] });
    expect(createFilter(resources, 'traces', noErrors)(batchOf('traces', traces([span('a', [])])))).toBeNull();
    expect(createFilter(resources, 'traces', noErrors)(batchOf('traces', traces([span('a', [])], 'cart')))).not.toBeNull();
  });

  test('metrics: data points dropped, and a metric with none left removed; logs by severity', () => {
    const point = (value: bigint, env: string) => ({ attributes: [kv('env', env)], startTimeUnixNano: 0n, timeUnixNano: 1n, asInt: value, exemplars: [], flags: 0 });
    const metrics: ExportMetricsServiceRequest = {
      resourceMetrics: [{ resource: undefined, schemaUrl: '', scopeMetrics: [{ scope: undefined, schemaUrl: '', metrics: [
        { name: 'a', description: '', unit: '', metadata: [], gauge: { dataPoints: [point(1n, 'dev'), point(2n, 'prod')] } },
        { name: 'b', description: '', unit: '', metadata: [], gauge: { dataPoints: [point(3n, 'dev')] } },
        { name: 'jvm.gc', description: '', unit: '', metadata: [], gauge: { dataPoints: [point(3n, 'prod')] } },
      ] }] }],
    };
    const config = parse({ metrics: { metric: ['IsMatch(name, "^jvm\\\\.")'], datapoint: ['attributes["env"] == "dev"'] } });
    const out = createFilter(config, 'metrics', noErrors)(batchOf('metrics', metrics));
    const left = (out!.request as ExportMetricsServiceRequest).resourceMetrics[0].scopeMetrics[0].metrics;
    expect(left.map((m) => m.name)).toEqual(['a']);
    expect(left[0].gauge!.dataPoints.map((p) => p.asInt)).toEqual([2n]);

    const log = (severityNumber: number) => ({ timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber, severityText: '', body: s('x'), attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' });
    const logs: ExportLogsServiceRequest = { resourceLogs: [{ resource: undefined, schemaUrl: '', scopeLogs: [{ scope: undefined, schemaUrl: '', logRecords: [log(5), log(9), log(17)] }] }] };
    const kept = createFilter(parse({ logs: { log_record: ['severity_number < SEVERITY_NUMBER_INFO'] } }), 'logs', noErrors)(batchOf('logs', logs));
    expect((kept!.request as ExportLogsServiceRequest).resourceLogs[0].scopeLogs[0].logRecords.map((l) => l.severityNumber)).toEqual([9, 17]);
  });

  test('error_mode: propagate fails the batch, ignore skips the condition', () => {
    const bad = ['Int(attributes["n"]) + 1 > 0 and Split(attributes["n"], ",") == nil'];
    const sp = span('a', [kv('n', { intValue: 1n })]);
    expect(() => createFilter(parse({ traces: { span: bad } }), 'traces', noErrors)(batchOf('traces', traces([sp])))).toThrow(/Split needs a string/);
    const seen: string[] = [];
    const out = createFilter(parse({ error_mode: 'ignore', traces: { span: bad } }), 'traces', { onError: (c) => seen.push(c) })(batchOf('traces', traces([sp])));
    expect(spansOf(out!)).toHaveLength(1);
    expect(seen).toEqual(bad);
  });

  test('the legacy include/exclude form is refused with what to write instead', () => {
    const result = filterConfigSchema.safeParse({ traces: { include: { match_type: 'strict', span_names: ['x'] } } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].message).toMatch(/write OTTL conditions/);
  });
});

describe('transform', () => {
  const noErrors = { onError: (_s: string, e: Error) => { throw e; } };

  test("README basic config: the trace statements in order", () => {
    const config = transformConfigSchema.parse({
      error_mode: 'ignore',
      trace_statements: [
        'keep_keys(span.attributes, ["service.name", "service.namespace", "cloud.region", "process.command_line"])',
        'replace_pattern(span.attributes["process.command_line"], "password\\\\=[^\\\\s]*(\\\\s?)", "password=***")',
        'limit(span.attributes, 100, [])',
        'truncate_all(span.attributes, 4096)',
      ],
    });
    const sp = span('a', [kv('process.command_line', 'app --password=hunter2 --x'), kv('drop.me', '1'), kv('cloud.region', 'r'.repeat(5000))]);
    const batch = batchOf('traces', traces([sp]));
    createTransform(config, 'traces', noErrors)(batch);
    const out = attrs(spansOf(batch)[0].attributes);
    expect(Object.keys(out)).toEqual(['process.command_line', 'cloud.region']);
    expect(out['process.command_line']).toEqual(s('app --password=***--x'));
    expect(out['cloud.region'].stringValue).toHaveLength(4096);
  });

  test("README: metric and log statements; grouped form with conditions and context", () => {
    const config = transformConfigSchema.parse({
      metric_statements: [
        'set(metric.description, "Sum") where metric.type == METRIC_DATA_TYPE_SUM',
        { context: 'datapoint', statements: ['set(attributes["double"], value_int * 2)'], conditions: ['metric.name == "requests"'] },
      ],
      log_statements: ['set(log.severity_text, "FAIL") where log.body == "request failed"', 'set(log.attributes["route"], log.attributes["http.route"])'],
    });
    const metrics: ExportMetricsServiceRequest = {
      resourceMetrics: [{ resource: undefined, schemaUrl: '', scopeMetrics: [{ scope: undefined, schemaUrl: '', metrics: [{ name: 'requests', description: '', unit: '', metadata: [], sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, asInt: 21n, exemplars: [], flags: 0 }] } }] }] }],
    };
    const mb = batchOf('metrics', metrics);
    createTransform(config, 'metrics', noErrors)(mb);
    const metric = (mb.request as ExportMetricsServiceRequest).resourceMetrics[0].scopeMetrics[0].metrics[0];
    expect(metric.description).toBe('Sum');
    expect(attrs(metric.sum!.dataPoints[0].attributes)['double']).toEqual({ intValue: 42n });

    const logs: ExportLogsServiceRequest = { resourceLogs: [{ resource: undefined, schemaUrl: '', scopeLogs: [{ scope: undefined, schemaUrl: '', logRecords: [{ timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 17, severityText: 'ERROR', body: s('request failed'), attributes: [kv('http.route', '/x')], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' }] }] }] };
    const lb = batchOf('logs', logs);
    createTransform(config, 'logs', noErrors)(lb);
    const record = (lb.request as ExportLogsServiceRequest).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record.severityText).toBe('FAIL');
    expect(attrs(record.attributes)['route']).toEqual(s('/x'));
  });

  test('span statements on encoded traces give what the decoded path gives', () => {
    const config = transformConfigSchema.parse({
      trace_statements: [
        'set(span.attributes["env"], "prod")',
        'delete_key(span.attributes, "moved")',
        'set(span.attributes["moved"], 1) where span.kind == SPAN_KIND_SERVER',
        'replace_pattern(span.attributes["path"], "/\\\\d+", "/{id}")',
        'set(span.attributes["path2"], "/a/1")',
        'replace_pattern(span.attributes["path2"], "(?P<n>\\\\d)", "<${n}>")',
        'delete_key(span.attributes, "gone") where resource.attributes["service.name"] == "checkout"',
        { context: 'span', conditions: ['name == "b"'], statements: ['set(attributes["only_b"], true)', 'delete_key(attributes, "env")'] },
      ],
    });
    const request = () => traces([
      span('a', [kv('moved', 'first'), kv('path', '/orders/123/items/4'), kv('gone', 'x'), kv('keep', 'y')]),
      span('b', [kv('env', 'dev'), kv('path', { intValue: 5n })], { kind: 3 }),
    ]);
    const onBytes = batchOf('traces', request(), true);
    const onObjects = batchOf('traces', request(), false);
    createTransform(config, 'traces', noErrors)(onBytes);
    createTransform(config, 'traces', noErrors)(onObjects);
    expect(onBytes.hasBytes).toBe(true);
    const got = decodeRequest('traces', onBytes.bytes());
    expect(got).toEqual(decodeRequest('traces', onObjects.bytes()));
    const [a, b] = got.resourceSpans[0].scopeSpans[0].spans;
    expect(a.attributes.map((x) => x.key)).toEqual(['path', 'keep', 'env', 'moved', 'path2']);
    expect(attrs(a.attributes)['path']).toEqual(s('/orders/{id}/items/{id}'));
    expect(attrs(a.attributes)['path2']).toEqual(s('/a/<1>'));
    expect(attrs(b.attributes)).toEqual({ path: { intValue: 5n }, path2: s('/a/<1>'), only_b: { boolValue: true } });
  });

  test('on bytes, one span\'s edits never leak into the next', () => {
    const config = transformConfigSchema.parse({
      trace_statements: ['delete_key(span.attributes, "x") where span.name == "a"', 'set(span.attributes["x"], 2) where span.name == "b"'],
    });
    const request = () => traces([span('a', [kv('x', '1')]), span('b', [kv('x', '1'), kv('y', '1')])]);
    const onBytes = batchOf('traces', request(), true);
    const onObjects = batchOf('traces', request(), false);
    createTransform(config, 'traces', noErrors)(onBytes);
    createTransform(config, 'traces', noErrors)(onObjects);
    const got = decodeRequest('traces', onBytes.bytes());
    expect(got).toEqual(decodeRequest('traces', onObjects.bytes()));
    expect(got.resourceSpans[0].scopeSpans[0].spans[1].attributes).toEqual([kv('x', { intValue: 2n }), kv('y', '1')]);
  });

  test('resource statements run once per resource; span statements see the resource', () => {
    const config = transformConfigSchema.parse({
      trace_statements: ['set(resource.attributes["deployment.environment"], "prod")', { context: 'span', statements: ['set(attributes["env"], resource.attributes["deployment.environment"])'] }],
    });
    const batch = batchOf('traces', traces([span('a', []), span('b', [])]));
    createTransform(config, 'traces', noErrors)(batch);
    const request = batch.request as ExportTraceServiceRequest;
    expect(attrs(request.resourceSpans[0].resource!.attributes)['deployment.environment']).toEqual(s('prod'));
    expect(spansOf(batch).map((sp) => attrs(sp.attributes)['env']?.stringValue)).toEqual(['prod', 'prod']);
  });

  test('bad statements fail validation with their path and a caret under the bad token', () => {
    const result = transformConfigSchema.safeParse({
      trace_statements: ['set(span.attributes["a"], "b")', 'set(span.atributes["a"], "b")'],
      log_statements: [{ context: 'log', statements: ['sett(body, "x")'] }],
      metric_statements: ['convert_sum_to_gauge() where metric.name == "x"'],
    });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    expect(issues).toContainEqual({ path: 'trace_statements.1', message: 'unknown path "atributes" in the span context (known: trace_id, trace_id.string, span_id, span_id.string, parent_span_id, parent_span_id.string, trace_state, name, kind, kind.string, start_time_unix_nano, end_time_unix_nano, start_time, end_time, attributes, dropped_attributes_count, dropped_events_count, dropped_links_count, flags, status.code, status.message)\n    set(span.atributes["a"], "b")\n             ^^^^^^^^^' });
    expect(issues.find((i) => i.path === 'log_statements.0.statements.0')?.message).toMatch(/^unknown editor "sett"[^\n]*\n {4}sett\(body, "x"\)\n {4}\^{4}$/);
    expect(issues.find((i) => i.path === 'metric_statements.0')?.message).toMatch(/convert_sum_to_gauge is not supported by Sluice yet/);
  });
});

function sha1(value: string | Buffer): string {
  return createHash('sha1').update(value).digest('hex');
}
