import { describe, expect, test } from 'vitest';
import { MissingHashKeyError, SUMMARY_ATTRIBUTE } from '../../src/processors/redaction/index.ts';
import type {
  AnyValue,
  ExportMetricsServiceRequest,
  KeyValue,
  NumberDataPoint,
} from '../../src/otlp/types.ts';
import { logRecord, logsRequest, resource, span, tracesRequest } from '../support/otlp.ts';
import { attrs, kv, redactorWith, str } from './helpers.ts';

const EMAIL = 'jane.doe@example.com';
const KEY_ENV = { SLUICE_REDACTION_KEY: 'test-key-1' };

const traces = tracesRequest;
const log = logRecord;
const logs = logsRequest;

function point(attributes: KeyValue[], value: number): NumberDataPoint {
  return { attributes, startTimeUnixNano: 1n, timeUnixNano: 2n, asInt: BigInt(value), exemplars: [], flags: 0 };
}

describe('traces', () => {
  test('resource, span, event and link attributes are redacted; clean values stay', () => {
    const s = span([kv('user.email', EMAIL), kv('http.route', '/users/{id}'), kv('count', { intValue: 4111111111111111n })], {
      events: [{ timeUnixNano: 1n, name: 'login', attributes: [kv('client.ip', '203.0.113.9')], droppedAttributesCount: 0 }],
      links: [{ traceId: new Uint8Array(16), spanId: new Uint8Array(8), traceState: '', attributes: [kv('peer', `mailto:${EMAIL}`)], droppedAttributesCount: 0, flags: 0 }],
    });
    const request = traces([s], [kv('host.owner', EMAIL), kv('service.name', 'shop')]);
    redactorWith().redactTraces(request);
    const redacted = request.resourceSpans[0].scopeSpans[0].spans[0];
    expect(attrs(redacted.attributes)['user.email']).toEqual(str('****'));
    expect(attrs(redacted.attributes)['http.route']).toEqual(str('/users/{id}'));
    expect(attrs(redacted.attributes).count).toEqual({ intValue: 4111111111111111n }); // non-strings untouched
    expect(redacted.events[0].attributes[0].value).toEqual(str('****'));
    expect(redacted.links[0].attributes[0].value).toEqual(str('mailto:****'));
    expect(attrs(request.resourceSpans[0].resource!.attributes)['host.owner']).toEqual(str('****'));
    expect(attrs(request.resourceSpans[0].resource!.attributes)['service.name']).toEqual(str('shop'));
  });

  test('span names only with include_span_names', () => {
    const plain = traces([span([], { name: `notify ${EMAIL}` })]);
    redactorWith().redactTraces(plain);
    expect(plain.resourceSpans[0].scopeSpans[0].spans[0].name).toBe(`notify ${EMAIL}`);
    const named = traces([span([], { name: `notify ${EMAIL}` })]);
    redactorWith({ include_span_names: true }).redactTraces(named);
    expect(named.resourceSpans[0].scopeSpans[0].spans[0].name).toBe('notify ****');
  });

  test('summary_attribute lists the detectors that fired on the span', () => {
    const s = span([kv('a', EMAIL), kv('b', 'card 4111111111111111')], {
      events: [{ timeUnixNano: 1n, name: 'e', attributes: [kv('c', 'from 10.0.0.1')], droppedAttributesCount: 0 }],
    });
    const clean = span([kv('a', 'nothing here')]);
    const request = traces([s, clean]);
    redactorWith({ summary_attribute: true }).redactTraces(request);
    const [first, second] = request.resourceSpans[0].scopeSpans[0].spans;
    const summary = attrs(first.attributes)[SUMMARY_ATTRIBUTE];
    expect(summary.arrayValue!.values.map((v) => v.stringValue).sort()).toEqual(['email', 'ipv4', 'payment_card']);
    expect(attrs(second.attributes)[SUMMARY_ATTRIBUTE]).toBeUndefined();
  });

  test('drop_record falls back to drop_attribute on spans', () => {
    const request = traces([span([kv('user.email', EMAIL), kv('keep', 'x')])]);
    const redactor = redactorWith({ detectors: { email: { action: 'drop_record' } } });
    redactor.redactTraces(request);
    const s = request.resourceSpans[0].scopeSpans[0].spans;
    expect(s).toHaveLength(1);
    expect(s[0].attributes.map((a) => a.key)).toEqual(['keep']);
    expect(redactor.takeCounts()).toEqual([{ detector: 'email', action: 'drop_attribute', count: 1 }]);
  });
});

describe('logs', () => {
  test('string bodies and nested kvlist/array bodies are searched', () => {
    const nested: AnyValue = {
      kvlistValue: {
        values: [
          kv('msg', `signup ${EMAIL}`),
          kv('user', { kvlistValue: { values: [kv('ssn', '123-45-6789'), kv('age', { intValue: 40n })] } }),
          kv('ips', { arrayValue: { values: [str('10.1.2.3'), str('fine'), { arrayValue: { values: [str('192.168.0.1')] } }] } }),
        ],
      },
    };
    const request = logs([log(str(`payment by ${EMAIL}`)), log(nested, [kv('card', '5500 0000 0000 0004')])]);
    expect(redactorWith().redactLogs(request)).toBe(0);
    const [first, second] = request.resourceLogs[0].scopeLogs[0].logRecords;
    expect(first.body).toEqual(str('payment by ****'));
    const body = second.body!.kvlistValue!.values;
    expect(body[0].value).toEqual(str('signup ****'));
    expect(body[1].value.kvlistValue!.values[0].value).toEqual(str('****'));
    expect(body[1].value.kvlistValue!.values[1].value).toEqual({ intValue: 40n });
    const ips = body[2].value.arrayValue!.values;
    expect(ips[0]).toEqual(str('****'));
    expect(ips[1]).toEqual(str('fine'));
    expect(ips[2].arrayValue!.values[0]).toEqual(str('****'));
    expect(attrs(second.attributes).card).toEqual(str('****0004'));
  });

  test('drop_record removes the whole record and reports it', () => {
    const request = logs([log(str('ok')), log(str('key AKIAIOSFODNN7EXAMPLE leaked')), log(str('fine'), [kv('x', 'AKIAIOSFODNN7EXAMPLE')])]);
    const redactor = redactorWith({ detectors: { aws_access_key: { action: 'drop_record' } } });
    expect(redactor.redactLogs(request)).toBe(2);
    expect(request.resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.body!.stringValue)).toEqual(['ok']);
    expect(redactor.takeCounts()).toEqual([{ detector: 'aws_access_key', action: 'drop_record', count: 2 }]);
  });

  test('drop_attribute removes attributes and nested entries', () => {
    const request = logs([log({ kvlistValue: { values: [kv('email', EMAIL), kv('n', 'ok')] } }, [kv('email', EMAIL), kv('n', 'ok')])]);
    redactorWith({ action: 'drop_attribute' }).redactLogs(request);
    const record = request.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(record.attributes.map((a) => a.key)).toEqual(['n']);
    expect(record.body!.kvlistValue!.values.map((a) => a.key)).toEqual(['n']);
  });
});

describe('metrics', () => {
  test('data point attributes of all five kinds and exemplar attributes are redacted', () => {
    const dirty = () => [kv('user', EMAIL)];
    const exemplar = { filteredAttributes: [kv('client', '10.0.0.7')], timeUnixNano: 1n, asDouble: 1, spanId: new Uint8Array(8), traceId: new Uint8Array(16) };
    const request: ExportMetricsServiceRequest = {
      resourceMetrics: [{
        resource: resource([]),
        schemaUrl: '',
        scopeMetrics: [{
          scope: undefined,
          schemaUrl: '',
          metrics: [
            { name: 'g', description: '', unit: '', metadata: [], gauge: { dataPoints: [{ ...point(dirty(), 1), exemplars: [exemplar] }] } },
            { name: 's', description: '', unit: '', metadata: [], sum: { dataPoints: [point(dirty(), 1)], aggregationTemporality: 2, isMonotonic: true } },
            { name: 'h', description: '', unit: '', metadata: [], histogram: { aggregationTemporality: 2, dataPoints: [{ attributes: dirty(), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 1n, bucketCounts: [1n], explicitBounds: [], exemplars: [], flags: 0 }] } },
            { name: 'e', description: '', unit: '', metadata: [], exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ attributes: dirty(), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 1n, scale: 0, zeroCount: 0n, positive: { offset: 0, bucketCounts: [1n] }, negative: undefined, flags: 0, exemplars: [], zeroThreshold: 0 }] } },
            { name: 'q', description: '', unit: '', metadata: [], summary: { dataPoints: [{ attributes: dirty(), startTimeUnixNano: 1n, timeUnixNano: 2n, count: 1n, sum: 1, quantileValues: [], flags: 0 }] } },
          ],
        }],
      }],
    };
    redactorWith().redactMetrics(request);
    const metrics = request.resourceMetrics[0].scopeMetrics[0].metrics;
    const pointsOf = [metrics[0].gauge!, metrics[1].sum!, metrics[2].histogram!, metrics[3].exponentialHistogram!, metrics[4].summary!];
    for (const kind of pointsOf) expect(kind.dataPoints[0].attributes[0].value).toEqual(str('****'));
    expect(metrics[0].gauge!.dataPoints[0].exemplars[0].filteredAttributes[0].value).toEqual(str('****'));
  });

  test('points that redaction makes identical are merged, sums preserved', () => {
    const request: ExportMetricsServiceRequest = {
      resourceMetrics: [{ resource: undefined, schemaUrl: '', scopeMetrics: [{ scope: undefined, schemaUrl: '', metrics: [
        { name: 'logins', description: '', unit: '', metadata: [], sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [
          point([kv('user', 'a@example.com'), kv('region', 'eu')], 3),
          point([kv('region', 'eu'), kv('user', 'b@example.com')], 4),
          point([kv('user', 'c@example.com'), kv('region', 'us')], 5),
        ] } },
      ] }] }],
    };
    redactorWith().redactMetrics(request);
    const points = request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints;
    expect(points).toHaveLength(2);
    expect(points.map((p) => p.asInt)).toEqual([7n, 5n]);
  });
});

describe('hashing', () => {
  test('the same email gets the same token in a log body and a span attribute', () => {
    const redactor = redactorWith({ action: 'hash' }, KEY_ENV);
    const t = traces([span([kv('user.email', EMAIL)])]);
    const l = logs([log(str(`login by ${EMAIL}`))]);
    redactor.redactTraces(t);
    redactor.redactLogs(l);
    const token = t.resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.stringValue!;
    expect(token).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(l.resourceLogs[0].scopeLogs[0].logRecords[0].body).toEqual(str(`login by ${token}`));
    expect(redactorWith({ action: 'hash' }, KEY_ENV).redactString(EMAIL)).toBe(token);
  });

  test('a different key gives a different token; hash_length is honoured', () => {
    const a = redactorWith({ action: 'hash' }, KEY_ENV).redactString(EMAIL);
    const b = redactorWith({ action: 'hash' }, { SLUICE_REDACTION_KEY: 'other' }).redactString(EMAIL);
    expect(a).not.toBe(b);
    expect(redactorWith({ action: 'hash', hash_length: 32 }, KEY_ENV).redactString(EMAIL)).toMatch(/^hmac:[0-9a-f]{32}$/);
  });

  test('hash without a key is a construction error; a per-detector hash needs one too', () => {
    expect(() => redactorWith({ action: 'hash' }, {})).toThrow(MissingHashKeyError);
    expect(() => redactorWith({ detectors: { email: { action: 'hash' } } }, {})).toThrow(/SLUICE_REDACTION_KEY/);
    expect(() => redactorWith({ detectors: { email: { enabled: false, action: 'hash' } } }, {})).not.toThrow();
    expect(() => redactorWith({}, {})).not.toThrow();
  });

  test('per-detector actions mix in one value', () => {
    const redactor = redactorWith({ detectors: { email: { action: 'hash' } } }, KEY_ENV);
    expect(redactor.redactString(`${EMAIL} from 10.0.0.1`)).toMatch(/^hmac:[0-9a-f]{16} from \*\*\*\*$/);
  });
});

describe('key rules', () => {
  test('blocked_keys redact whole values of any type; allowed_keys are never touched', () => {
    const request = traces([span([
      kv('db.password', 'hunter2'),
      kv('Auth.Secret', { intValue: 42n }),
      kv('session_token_id', { kvlistValue: { values: [kv('a', 'b')] } }),
      kv('http.url.template', `/users/${EMAIL}`),
      kv('note', 'plain'),
    ])]);
    const redactor = redactorWith({ blocked_keys: ['*password', '*.secret', '*token*'], allowed_keys: ['http.url.template'] });
    redactor.redactTraces(request);
    const a = attrs(request.resourceSpans[0].scopeSpans[0].spans[0].attributes);
    expect(a['db.password']).toEqual(str('****'));
    expect(a['Auth.Secret']).toEqual(str('****'));
    expect(a.session_token_id).toEqual(str('****'));
    expect(a['http.url.template']).toEqual(str(`/users/${EMAIL}`));
    expect(a.note).toEqual(str('plain'));
    expect(redactor.takeCounts()).toEqual([{ detector: 'blocked_key', action: 'mask', count: 3 }]);
  });

  test('blocked keys apply inside nested maps', () => {
    const request = logs([log({ kvlistValue: { values: [kv('user', { kvlistValue: { values: [kv('password', 'x'), kv('name', 'bob')] } })] } })]);
    redactorWith({ blocked_keys: ['password'] }).redactLogs(request);
    const user = request.resourceLogs[0].scopeLogs[0].logRecords[0].body!.kvlistValue!.values[0].value.kvlistValue!.values;
    expect(user).toEqual([kv('password', '****'), kv('name', 'bob')]);
  });

  test('allow_only removes every top-level attribute not listed (fail closed)', () => {
    const request = traces([span([kv('http.method', 'GET'), kv('http.status_code', { intValue: 200n }), kv('user.id', 'u1'), kv('note', EMAIL)])], [kv('service.name', 's'), kv('host.name', 'h')]);
    const redactor = redactorWith({ allow_only: ['http.*', 'service.name', 'note'] });
    redactor.redactTraces(request);
    expect(request.resourceSpans[0].scopeSpans[0].spans[0].attributes).toEqual([
      kv('http.method', 'GET'), kv('http.status_code', { intValue: 200n }), kv('note', '****'),
    ]);
    expect(request.resourceSpans[0].resource!.attributes.map((a) => a.key)).toEqual(['service.name']);
    expect(redactor.takeCounts()).toContainEqual({ detector: 'allow_only', action: 'drop_attribute', count: 2 });
  });

  test('glob matching is case-insensitive and linear', () => {
    const redactor = redactorWith({ blocked_keys: ['a*a*a*a*a*b'] });
    expect(redactor.redactString('v', 'A'.repeat(10_000))).toBe('v');
    expect(redactor.redactString('v', 'a'.repeat(50) + 'B')).toBe('****');
  });
});

describe('oversize values', () => {
  test('truncate keeps and scans the first max_value_length characters', () => {
    const redactor = redactorWith({ max_value_length: 100 });
    const out = redactor.redactString(`${EMAIL} ` + 'x'.repeat(200));
    expect(out).toBe('**** ' + 'x'.repeat(100 - EMAIL.length - 1));
    expect(redactor.takeCounts()).toContainEqual({ detector: 'oversize', action: 'truncate', count: 1 });
  });
  test('hash replaces the whole value with its token', () => {
    const out = redactorWith({ max_value_length: '1KiB', oversize_action: 'hash' }, KEY_ENV).redactString('y'.repeat(2000));
    expect(out).toMatch(/^hmac:[0-9a-f]{16}$/);
  });
});
