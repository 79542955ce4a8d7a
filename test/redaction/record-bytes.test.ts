// Redaction of logs and metrics on their bytes gives what the object path gives, and leaves
// untouched bytes alone.
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { countItems } from '../../src/otlp/count.ts';
import { encodeMessage } from '../../src/otlp/proto/encode.ts';
import { logRecordSize, writeLogRecord } from '../../src/otlp/proto/logs.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import { decodeLogs, decodeMetrics, encodeLogs, encodeMetrics } from '../../src/otlp/protobuf.ts';
import type {
  AnyValue, Exemplar, ExportLogsServiceRequest, ExportMetricsServiceRequest, KeyValue, LogRecord, Metric,
} from '../../src/otlp/types.ts';
import { redactionConfigSchema, SUMMARY_ATTRIBUTE, type RedactionConfigInput } from '../../src/processors/redaction/index.ts';
import { redactionProcessorFactory } from '../../src/processors/redaction/factory.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { sdkLogs, sdkMetrics } from '../otlp/sdk-fixtures.ts';
import { logRecord, logsRequest, metric, metricsRequest, resource, scopeMetrics } from '../support/otlp.ts';
import { attrs, kv, random, redactorWith, str } from './helpers.ts';

const KEY_ENV = { SLUICE_REDACTION_KEY: 'test-key-1' };
const EMAIL = 'jane.doe@example.com';

const CONFIGS: Record<string, RedactionConfigInput> = {
  default: {},
  gateway: { action: 'mask', detectors: { email: { action: 'hash' } }, blocked_keys: ['password', '*.secret', '*token*'] },
  drop_record: { detectors: { payment_card: { action: 'drop_record' }, email: { action: 'hash' } }, blocked_keys: ['password'], action: 'drop_record' },
  drop_record_summary: { detectors: { payment_card: { action: 'drop_record' } }, blocked_keys: ['password'], action: 'drop_record', summary_attribute: true },
  summary: { summary_attribute: true, allowed_keys: ['safe.*'] },
  allow_only: { allow_only: ['service.name', 'http.*', 'db.*', 'nested', 'user.*'], action: 'drop_attribute' },
  oversize_hash: { max_value_length: 40, oversize_action: 'hash', custom_patterns: [{ name: 'order', pattern: 'ORD-[0-9]+' }] },
  truncate: { max_value_length: 30, allowed_keys: ['safe.*'] },
};

const PIECES = [
  'jane.doe@example.com', 'https://shop.example.com/orders?email=a@b.io&page=2', '4111 1111 1111 1111', '+1 (555) 123-4567',
  '123-45-6789', '10.0.0.1', '2001:db8::1', 'password=hunter2', 'Bearer abc12345', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig',
  'AKIAIOSFODNN7EXAMPLE', 'DE89 3704 0044 0532 0130 00', 'café ', 'ünïcode ', '日本 ', 'jörg@exämple.de ',
  'postgresql', 'GET', ' ', '-', '1', 'order ORD-2024-000123', 'ok', 'x'.repeat(50),
];
const KEYS = ['http.url', 'db.statement', 'user.phone', 'api.token', 'safe.note', 'component', 'note', 'password', 'app.secret', 'nested'];

/** A random value: mostly strings, sometimes a number, a map or an array (nested up to `depth`). */
function randomValue(next: (n: number) => number, depth: number): AnyValue {
  const pick = next(10);
  if (pick === 0) return { intValue: BigInt(next(1000)) };
  if (pick === 1 && depth > 0) return { kvlistValue: { values: randomAttributes(next, 1 + next(3), depth - 1) } };
  if (pick === 2 && depth > 0) {
    const values: AnyValue[] = [];
    for (let i = next(4); i > 0; i--) values.push(randomValue(next, depth - 1));
    return { arrayValue: { values } };
  }
  // Half clean, half with a piece that may hold PII.
  if (next(2) === 0) return str(['GET /api/orders', 'postgresql', 'ok', 'checkout', '/healthz'][next(5)]);
  let text = '';
  for (let p = 1 + next(3); p > 0; p--) text += PIECES[next(PIECES.length)];
  return str(text);
}

function randomAttributes(next: (n: number) => number, count: number, depth: number): KeyValue[] {
  const list: KeyValue[] = [];
  for (let i = 0; i < count; i++) list.push(kv(KEYS[next(KEYS.length)], randomValue(next, depth)));
  return list;
}

function randomLogs(next: (n: number) => number): ExportLogsServiceRequest {
  const request: ExportLogsServiceRequest = { resourceLogs: [] };
  for (let r = 1 + next(3); r > 0; r--) {
    const scopeLogs = [];
    for (let s = 1 + next(2); s > 0; s--) {
      const records: LogRecord[] = [];
      for (let i = next(12); i > 0; i--) {
        const body = next(5) === 0 ? undefined : randomValue(next, 3);
        records.push(logRecord(body, randomAttributes(next, next(5), 2)));
      }
      scopeLogs.push({ scope: { name: 'fuzz', version: '1', attributes: [kv('scope.owner', EMAIL)], droppedAttributesCount: 0 }, logRecords: records, schemaUrl: '' });
    }
    // Resources: clean, or with PII now and then.
    const resourceAttributes = next(3) === 0 ? randomAttributes(next, 1 + next(3), 1) : [kv('service.name', 'fuzz')];
    request.resourceLogs.push({ resource: resource(resourceAttributes), scopeLogs, schemaUrl: '' });
  }
  return request;
}

function randomExemplars(next: (n: number) => number): Exemplar[] {
  const exemplars: Exemplar[] = [];
  for (let e = next(3); e > 0; e--) {
    exemplars.push({ filteredAttributes: randomAttributes(next, next(3), 1), timeUnixNano: 5n, asInt: 1n, spanId: new Uint8Array(0), traceId: new Uint8Array(0) });
  }
  return exemplars;
}

/** Points of one metric share start and time, and their attributes are drawn from few values: redaction makes some collide. */
function randomMetric(next: (n: number) => number, index: number): Metric {
  const points = 1 + next(6);
  const pointAttributes = () => (next(4) === 0 ? [] : [kv(KEYS[next(3)], PIECES[next(4)]), ...randomAttributes(next, next(2), 1)]);
  const times = { startTimeUnixNano: 1n, timeUnixNano: 2n, flags: 0 };
  const kind = next(5);
  const name = `metric.${index}`;
  if (kind <= 1) {
    const dataPoints = Array.from({ length: points }, () => ({ ...times, attributes: pointAttributes(), asInt: BigInt(1 + next(9)), exemplars: randomExemplars(next) }));
    return kind === 0 ? metric(name, { gauge: { dataPoints } }) : metric(name, { sum: { dataPoints, aggregationTemporality: 1, isMonotonic: true } });
  }
  if (kind === 2) {
    const dataPoints = Array.from({ length: points }, () => ({
      ...times, attributes: pointAttributes(), count: 3n, sum: 6, bucketCounts: [1n, 2n], explicitBounds: [5], exemplars: randomExemplars(next), min: 1, max: 4,
    }));
    return metric(name, { histogram: { dataPoints, aggregationTemporality: 2 } });
  }
  if (kind === 3) {
    const dataPoints = Array.from({ length: points }, () => ({
      ...times, attributes: pointAttributes(), count: 3n, sum: 6, scale: next(3), zeroCount: 0n, zeroThreshold: 0,
      positive: { offset: next(3), bucketCounts: [1n, 2n] }, negative: undefined, exemplars: randomExemplars(next),
    }));
    return metric(name, { exponentialHistogram: { dataPoints, aggregationTemporality: 2 } });
  }
  const dataPoints = Array.from({ length: points }, () => ({
    ...times, attributes: pointAttributes(), count: BigInt(1 + next(5)), sum: 6, quantileValues: [{ quantile: 0.5, value: next(10) }],
  }));
  return metric(name, { summary: { dataPoints } });
}

function randomMetrics(next: (n: number) => number): ExportMetricsServiceRequest {
  const request: ExportMetricsServiceRequest = { resourceMetrics: [] };
  for (let r = 1 + next(2); r > 0; r--) {
    const scopes = [];
    for (let s = 1 + next(2); s > 0; s--) scopes.push(scopeMetrics(Array.from({ length: next(6) }, (_, i) => randomMetric(next, i))));
    const resourceAttributes = next(3) === 0 ? randomAttributes(next, 1 + next(3), 1) : [kv('service.name', 'fuzz')];
    request.resourceMetrics.push({ resource: resource(resourceAttributes), scopeMetrics: scopes, schemaUrl: '' });
  }
  return request;
}

/** Both paths on the same log bytes: the same objects, counts and dropped records. */
function bothLogPaths(config: RedactionConfigInput, bytes: Uint8Array): Uint8Array {
  const objects = redactorWith(config, KEY_ENV);
  const request = decodeLogs(bytes);
  const dropped = objects.redactLogs(request);
  const onBytes = redactorWith(config, KEY_ENV);
  const out = onBytes.redactLogBytes(bytes);
  expect(decodeLogs(out)).toEqual(request);
  expect(onBytes.takeCounts()).toEqual(objects.takeCounts());
  expect(onBytes.removedItems).toBe(dropped);
  return out;
}

/** Both paths on the same metric bytes: the same objects, counts and merged points. */
function bothMetricPaths(config: RedactionConfigInput, bytes: Uint8Array): Uint8Array {
  const objects = redactorWith(config, KEY_ENV);
  const request = decodeMetrics(bytes);
  const pointsBefore = countItems('metrics', request);
  objects.redactMetrics(request);
  const onBytes = redactorWith(config, KEY_ENV);
  const out = onBytes.redactMetricBytes(bytes);
  expect(decodeMetrics(out)).toEqual(request);
  expect(onBytes.takeCounts()).toEqual(objects.takeCounts());
  expect(onBytes.removedItems).toBe(pointsBefore - countItems('metrics', request));
  return out;
}

describe('redaction of logs and metrics on their bytes, fuzzed against the object path', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    test.each([1, 2, 3])(`logs, ${name}: random bodies (strings, maps, arrays), attributes and resources, seed %i`, (seed) => {
      const next = random(seed);
      let changed = 0;
      for (let round = 0; round < 25; round++) {
        const bytes = encodeLogs(randomLogs(next));
        if (bothLogPaths(config, bytes) !== bytes) changed++;
      }
      // The generator must exercise both outcomes.
      expect(changed).toBeGreaterThan(0);
    });

    test.each([1, 2, 3])(`metrics, ${name}: random points of every kind, colliding attributes, exemplars, seed %i`, (seed) => {
      const next = random(seed);
      let changed = 0;
      for (let round = 0; round < 25; round++) {
        const bytes = encodeMetrics(randomMetrics(next));
        if (bothMetricPaths(config, bytes) !== bytes) changed++;
      }
      expect(changed).toBeGreaterThan(0);
    });
  }

  test.each(Object.keys(CONFIGS))('%s: one redactor over many log and metric requests answers as a fresh one (clean attributes kept across requests)', (name) => {
    const config = CONFIGS[name];
    const next = random(11);
    const onBytes = redactorWith(config, KEY_ENV);
    for (let round = 0; round < 30; round++) {
      const logs = encodeLogs(randomLogs(next));
      const expectedLogs = decodeLogs(logs);
      const objects = redactorWith(config, KEY_ENV);
      const dropped = objects.redactLogs(expectedLogs);
      expect(decodeLogs(onBytes.redactLogBytes(logs))).toEqual(expectedLogs);
      expect(onBytes.removedItems).toBe(dropped);
      const metrics = encodeMetrics(randomMetrics(next));
      const expectedMetrics = decodeMetrics(metrics);
      objects.redactMetrics(expectedMetrics);
      expect(decodeMetrics(onBytes.redactMetricBytes(metrics))).toEqual(expectedMetrics);
      expect(onBytes.takeCounts()).toEqual(objects.takeCounts());
    }
  });

  test('the fuzzed requests drop records, merge points and leave requests alone, so each outcome is compared', () => {
    const next = random(7);
    // Dropped without and with the summary attribute (value by value, and whole records).
    const dropped = [0, 0];
    let merged = 0;
    let untouchedLogs = 0;
    let untouchedMetrics = 0;
    for (let round = 0; round < 40; round++) {
      const logs = encodeLogs(randomLogs(next));
      for (const config of [CONFIGS.drop_record, CONFIGS.drop_record_summary]) {
        const logRedactor = redactorWith(config, KEY_ENV);
        logRedactor.redactLogBytes(logs);
        dropped[config === CONFIGS.drop_record ? 0 : 1] += logRedactor.removedItems;
      }
      const metrics = encodeMetrics(randomMetrics(next));
      const metricRedactor = redactorWith({}, KEY_ENV);
      metricRedactor.redactMetricBytes(metrics);
      merged += metricRedactor.removedItems;
      // A clean request of the same shapes.
      const cleanLogs = encodeLogs(logsRequest([logRecord(str(`request ${round} served`), [kv('http.route', '/orders')])]));
      if (redactorWith({}, KEY_ENV).redactLogBytes(cleanLogs) === cleanLogs) untouchedLogs++;
      const cleanMetrics = encodeMetrics(metricsRequest([kv('service.name', 'shop')], [scopeMetrics([metric('m', { gauge: { dataPoints: [{ attributes: [kv('route', '/orders')], startTimeUnixNano: 1n, timeUnixNano: 2n, asInt: 1n, exemplars: [], flags: 0 }] } })])]));
      if (redactorWith({}, KEY_ENV).redactMetricBytes(cleanMetrics) === cleanMetrics) untouchedMetrics++;
    }
    expect(dropped[0]).toBeGreaterThan(0);
    expect(dropped[1]).toBeGreaterThan(0);
    expect(merged).toBeGreaterThan(0);
    expect(untouchedLogs).toBe(40);
    expect(untouchedMetrics).toBe(40);
  });
});

describe('redaction of logs and metrics on their bytes', () => {
  test('requests with nothing to redact come back as the same bytes, and nothing is counted', async () => {
    const redactor = redactorWith(CONFIGS.gateway, KEY_ENV);
    const { proto: logs } = await sdkLogs();
    expect(decodeLogs(logs).resourceLogs.length).toBeGreaterThan(0);
    expect(redactor.redactLogBytes(logs)).toBe(logs);
    expect(redactor.removedItems).toBe(0);
    for (const temporality of ['delta', 'cumulative'] as const) {
      const { proto: metrics } = await sdkMetrics(temporality);
      expect(decodeMetrics(metrics).resourceMetrics.length).toBeGreaterThan(0);
      expect(redactor.redactMetricBytes(metrics)).toBe(metrics);
    }
    expect(redactor.takeCounts()).toEqual([]);
  });

  test('log records with nothing to redact are copied verbatim around a rewritten one', () => {
    const clean = [logRecord(str('order 17 shipped'), [kv('http.route', '/orders')]), logRecord(undefined, [kv('thread.id', { intValue: 7n })])];
    const request = logsRequest([clean[0], logRecord(str(`reset for ${EMAIL}`), [kv('user.email', EMAIL)]), clean[1]], [kv('service.name', 'shop')]);
    const bytes = encodeLogs(request);
    const out = bothLogPaths({}, bytes);
    expect(out).not.toBe(bytes);
    // Each clean record's encoding stands in the output as it stood in the input.
    for (const record of clean) {
      const recordBytes = Buffer.from(encodeMessage(record, logRecordSize, writeLogRecord));
      expect(Buffer.from(bytes).includes(recordBytes)).toBe(true);
      expect(Buffer.from(out).includes(recordBytes)).toBe(true);
    }
    const redacted = decodeLogs(out).resourceLogs[0].scopeLogs[0].logRecords[1];
    expect(redacted.body).toEqual(str('reset for ****'));
    expect(attrs(redacted.attributes)['user.email']).toEqual(str('****'));
  });

  test('edge values in bodies and attributes: deep nesting, oversize (ASCII or not), blocked non-strings, bytes', () => {
    let deep: AnyValue = str(`deep ${EMAIL}`);
    for (let i = 0; i < 40; i++) deep = i % 2 === 0 ? { kvlistValue: { values: [kv('k', deep)] } } : { arrayValue: { values: [deep, str('x')] } };
    const records = [
      logRecord(deep, [kv('nested', deep)]),
      logRecord(str('x'.repeat(60)), [kv('note', `ünïcode ${'y'.repeat(50)}`)]),
      logRecord(str(`ünïcode ${'z'.repeat(20)}`), [kv('password', { intValue: 42n }), kv('api.token', { arrayValue: { values: [str('a')] } })]),
      logRecord({ bytesValue: new Uint8Array([1, 2, 3]) }, [kv('bin', { bytesValue: new Uint8Array([0x40]) }), kv('empty', '')]),
      logRecord(str(''), []),
    ];
    const bytes = encodeLogs(logsRequest(records, [kv('service.name', 'shop')]));
    for (const config of [{}, CONFIGS.gateway, CONFIGS.oversize_hash, CONFIGS.truncate, CONFIGS.drop_record, CONFIGS.allow_only]) bothLogPaths(config, bytes);
    const points = records.map((record, i) => ({ attributes: record.attributes, startTimeUnixNano: 1n, timeUnixNano: 2n, asInt: BigInt(i), exemplars: [], flags: 0 }));
    const metrics = encodeMetrics(metricsRequest([kv('service.name', 'shop')], [scopeMetrics([metric('m', { gauge: { dataPoints: points } })])]));
    for (const config of [{}, CONFIGS.gateway, CONFIGS.oversize_hash, CONFIGS.truncate, CONFIGS.allow_only]) bothMetricPaths(config, metrics);
  });

  test('SDK data with PII added: the same output as the object path', async () => {
    for (const [name, config] of Object.entries(CONFIGS)) {
      const logs = decodeLogs((await sdkLogs()).proto);
      logs.resourceLogs[0].scopeLogs[0].logRecords[0].attributes.push(kv('user.email', EMAIL), kv('password', 'hunter2'));
      logs.resourceLogs[0].resource!.attributes.push(kv('host.owner', EMAIL));
      expect(() => bothLogPaths(config, encodeLogs(logs)), name).not.toThrow();
      const metrics = decodeMetrics((await sdkMetrics('cumulative')).proto);
      for (const m of metrics.resourceMetrics[0].scopeMetrics[0].metrics) {
        const points = m.sum?.dataPoints ?? m.gauge?.dataPoints ?? m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.summary?.dataPoints ?? [];
        for (const point of points) point.attributes.push(kv('user.email', EMAIL));
      }
      expect(() => bothMetricPaths(config, encodeMetrics(metrics)), name).not.toThrow();
    }
  });
});

describe('the processor: logs and metrics take the byte path', () => {
  async function processor(config: RedactionConfigInput, signal: 'logs' | 'metrics', telemetry: Telemetry) {
    const saved = process.env.SLUICE_REDACTION_KEY;
    process.env.SLUICE_REDACTION_KEY = KEY_ENV.SLUICE_REDACTION_KEY;
    try {
      return await redactionProcessorFactory.create({
        id: 'redaction', config: redactionConfigSchema.parse(config), telemetry, logger: pino({ level: 'silent' }),
        host: new ServiceHost(), pipelineId: signal, signal, next: { consume: async () => {} }, exporters: new Map(),
      } as unknown as Parameters<typeof redactionProcessorFactory.create>[0]);
    } finally {
      if (saved === undefined) delete process.env.SLUICE_REDACTION_KEY;
      else process.env.SLUICE_REDACTION_KEY = saved;
    }
  }

  function piiLogs(): ExportLogsServiceRequest {
    return logsRequest(
      [
        logRecord(str(`password reset for ${EMAIL} from 203.0.113.42`), [kv('user.phone', '+1 (555) 123-4567'), kv('http.route', '/reset')]),
        logRecord({ kvlistValue: { values: [kv('card', '4111 1111 1111 1111'), kv('note', 'ok')] } }, [kv('password', 'hunter2')]),
        logRecord(str('order 17 shipped'), [kv('http.route', '/orders')]),
      ],
      [kv('service.name', 'shop'), kv('host.owner', EMAIL)],
    );
  }

  test('PII in log bodies and attributes comes out redacted, from protobuf and from JSON, and is counted', async () => {
    const telemetry = new Telemetry();
    const config: RedactionConfigInput = { blocked_keys: ['password'], summary_attribute: true };
    const redaction = await processor(config, 'logs', telemetry);
    const bytes = encodeLogs(piiLogs());
    const out = (await redaction.process(Batch.fromBytes('logs', bytes, 3, internalMetadata())))!;
    expect(out.hasBytes).toBe(true);
    expect(out.itemCount).toBe(3);
    const request = decodeLogs(out.bytes());
    const records = request.resourceLogs[0].scopeLogs[0].logRecords;
    expect(records[0].body).toEqual(str('password reset for **** from ****'));
    expect(attrs(records[0].attributes)['user.phone']).toEqual(str('****'));
    expect(attrs(records[0].attributes)[SUMMARY_ATTRIBUTE]).toBeDefined();
    expect(records[1].body).toEqual({ kvlistValue: { values: [kv('card', '****1111'), kv('note', 'ok')] } });
    expect(attrs(records[1].attributes).password).toEqual(str('****'));
    expect(records[2]).toEqual(piiLogs().resourceLogs[0].scopeLogs[0].logRecords[2]);
    expect(attrs(request.resourceLogs[0].resource!.attributes)['host.owner']).toEqual(str('****'));

    const expected = piiLogs();
    redactorWith(config, KEY_ENV).redactLogs(expected);
    expect(request).toEqual(expected);
    const text = telemetry.render();
    expect(text).toMatch(/sluice_redaction_values_total\{[^}]*detector="email"[^}]*\} 2/);
    expect(text).toMatch(/sluice_redaction_values_total\{[^}]*detector="blocked_key"[^}]*\} 1/);

    // OTLP/JSON input reaches the same path (encoded once) and gives the same records.
    const json = Batch.fromRequest('logs', decodeJson('logs', JSON.stringify(jsonLogs())), internalMetadata());
    const jsonOut = (await redaction.process(json))!;
    expect(jsonOut.hasBytes).toBe(true);
    expect(decodeLogs(jsonOut.bytes()).resourceLogs[0].scopeLogs[0].logRecords[0].body).toEqual(str(`mail to ****`));
  });

  test('drop_record removes the record from the bytes and from the batch\'s count, and is counted', async () => {
    const telemetry = new Telemetry();
    const redaction = await processor({ detectors: { payment_card: { action: 'drop_record' } } }, 'logs', telemetry);
    const out = (await redaction.process(Batch.fromBytes('logs', encodeLogs(piiLogs()), 3, internalMetadata())))!;
    expect(out.itemCount).toBe(2);
    const records = decodeLogs(out.bytes()).resourceLogs[0].scopeLogs[0].logRecords;
    expect(records.map((r) => r.body?.stringValue)).toEqual(['password reset for **** from ****', 'order 17 shipped']);
    expect(telemetry.render()).toMatch(/sluice_redaction_dropped_records_total\{[^}]*\} 1/);
    // A batch whose every record is dropped goes no further.
    const onlyCard = encodeLogs(logsRequest([logRecord(str('card 4111 1111 1111 1111'))]));
    expect(await redaction.process(Batch.fromBytes('logs', onlyCard, 1, internalMetadata()))).toBeNull();
  });

  test('metric points that redaction makes equal are merged, and the batch counts the points left', async () => {
    const redaction = await processor({}, 'metrics', new Telemetry());
    const point = (email: string, value: bigint) => ({ attributes: [kv('user', email)], startTimeUnixNano: 1n, timeUnixNano: 2n, asInt: value, exemplars: [], flags: 0 });
    const request = metricsRequest([kv('service.name', 'shop')], [scopeMetrics([
      metric('logins', { sum: { dataPoints: [point('a@example.com', 2n), point('b@example.com', 3n)], aggregationTemporality: 1, isMonotonic: true } }),
      metric('clean', { gauge: { dataPoints: [point('nobody', 1n)] } }),
    ])]);
    const out = (await redaction.process(Batch.fromBytes('metrics', encodeMetrics(request), 3, internalMetadata())))!;
    expect(out.itemCount).toBe(2);
    const metrics = decodeMetrics(out.bytes()).resourceMetrics[0].scopeMetrics[0].metrics;
    expect(metrics[0].sum!.dataPoints).toEqual([point('****', 5n)]);
    expect(metrics[1]).toEqual(request.resourceMetrics[0].scopeMetrics[0].metrics[1]);
  });
});

/** An OTLP/JSON logs request with an email in its body. */
function jsonLogs(): unknown {
  return {
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeLogs: [{ scope: { name: 's' }, logRecords: [{ timeUnixNano: '1', body: { stringValue: `mail to ${EMAIL}` } }] }],
    }],
  };
}
