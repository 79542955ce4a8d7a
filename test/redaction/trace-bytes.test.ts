// Redaction on trace bytes gives what the object path gives, and leaves untouched bytes alone.
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import { decodeTraces, encodeTraces } from '../../src/otlp/protobuf.ts';
import type { Span } from '../../src/otlp/types.ts';
import { redactionConfigSchema, type RedactionConfigInput } from '../../src/processors/redaction/index.ts';
import { redactionProcessorFactory } from '../../src/processors/redaction/factory.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { sdkTraces } from '../otlp/sdk-fixtures.ts';
import { span, tracesRequest } from '../support/otlp.ts';
import { kv, random, redactorWith } from './helpers.ts';

const KEY_ENV = { SLUICE_REDACTION_KEY: 'test-key-1' };

const CONFIGS: Record<string, RedactionConfigInput> = {
  default: {},
  gateway: { action: 'mask', detectors: { email: { action: 'hash' } }, blocked_keys: ['password', '*.secret', '*token*'] },
  summary_and_names: { include_span_names: true, summary_attribute: true, allowed_keys: ['safe.*'] },
  allow_only: { allow_only: ['service.name', 'http.*', 'db.*', 'nested'], action: 'drop_attribute' },
  oversize_hash: { max_value_length: 40, oversize_action: 'hash', custom_patterns: [{ name: 'order', pattern: 'ORD-[0-9]+' }] },
};

function spanWith(name: string, i: number, attributes: ReturnType<typeof kv>[], extra: Partial<Span> = {}): Span {
  const id = new Uint8Array(16).fill(i + 1);
  return span(attributes, { name, traceId: id, spanId: id.subarray(0, 8), ...extra });
}

/** Maps nested `levels` deep around a clean string: past the walker's depth limit at 40. */
function deeplyNested(levels: number): ReturnType<typeof kv>['value'] {
  let value: ReturnType<typeof kv>['value'] = { stringValue: 'clean' };
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { kvlistValue: { values: [kv('k', value)] } } : { arrayValue: { values: [value] } };
  return value;
}

/** Clean spans and PII everywhere the processor looks: attributes, events, links, names, nested values, resources. */
function piiRequest(): Uint8Array {
  const request = tracesRequest(
    [
      spanWith('GET /api/orders', 0, [kv('http.url', 'https://shop.example.com/orders?page=2'), kv('http.status_code', { intValue: 200n })]),
      spanWith('mail jane.doe@example.com', 1, [
        kv('http.url', 'https://shop.example.com/orders?email=jane.doe@example.com&token=abc123'),
        kv('db.statement', "UPDATE p SET card = '4111 1111 1111 1111', email = 'john@example.org'"),
        kv('user.phone', '+1 (555) 123-4567'),
        kv('safe.note', 'jane.doe@example.com'),
        kv('api.token', 'opaque'),
        kv('long', `ORD-123 ${'x'.repeat(60)}`),
      ]),
      spanWith('SELECT', 2, [kv('db.system', 'postgresql')], {
        events: [{ timeUnixNano: 1n, name: 'login', attributes: [kv('client.ip', '203.0.113.9'), kv('ok', 'fine')], droppedAttributesCount: 0 }],
      }),
      spanWith('link', 3, [kv('nested', { kvlistValue: { values: [kv('inner', 'mailto:jane.doe@example.com'), kv('password', 'hunter2')] } })], {
        links: [{ traceId: new Uint8Array(16).fill(9), spanId: new Uint8Array(8).fill(9), traceState: '', attributes: [kv('peer', 'ORD-42 at 10.1.2.3')], droppedAttributesCount: 0, flags: 0 }],
      }),
      spanWith('array', 4, [kv('tags', { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: '555-123-4567' }] } })]),
      spanWith('deep', 7, [kv('deep', deeplyNested(40)), kv('shallow', deeplyNested(5))]),
      spanWith('clean', 5, [kv('http.route', '/api/orders'), kv('thread.id', { intValue: 7n })]),
    ],
    [kv('service.name', 'checkout'), kv('host.owner', 'ops@example.com')],
  );
  // A second resource with nothing to redact in it.
  const clean = tracesRequest([spanWith('GET /healthz', 6, [kv('http.route', '/healthz')])], [kv('service.name', 'probe')]);
  request.resourceSpans.push(...clean.resourceSpans);
  return encodeTraces(request);
}

/** Both paths on the same bytes: the byte path's output decodes to the object path's, with the same counts. */
function bothPaths(config: RedactionConfigInput, bytes: Uint8Array): { out: Uint8Array; objectBytes: Uint8Array } {
  const objects = redactorWith(config, KEY_ENV);
  const request = decodeTraces(bytes);
  objects.redactTraces(request);
  const onBytes = redactorWith(config, KEY_ENV);
  const out = onBytes.redactTraceBytes(bytes);
  expect(decodeTraces(out)).toEqual(request);
  expect(onBytes.takeCounts()).toEqual(objects.takeCounts());
  return { out, objectBytes: encodeTraces(request) };
}

describe('redaction on trace bytes', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    test(`PII data, ${name}: the same output as the object path, byte for byte`, () => {
      const { out, objectBytes } = bothPaths(config, piiRequest());
      expect(Buffer.from(out).equals(Buffer.from(objectBytes))).toBe(true);
    });

    test(`SDK data, ${name}: the same output as the object path`, async () => {
      const { proto } = await sdkTraces();
      bothPaths(config, proto);
    });
  }

  test('a request with nothing to redact comes back as the same bytes', async () => {
    const { proto } = await sdkTraces();
    const redactor = redactorWith({}, KEY_ENV);
    expect(decodeTraces(proto).resourceSpans.length).toBeGreaterThan(0);
    expect(redactor.redactTraceBytes(proto)).toBe(proto);
    expect(redactor.takeCounts()).toEqual([]);
  });

  test('spans with nothing to redact are copied verbatim around a rewritten one', () => {
    const bytes = piiRequest();
    const out = redactorWith({}, KEY_ENV).redactTraceBytes(bytes);
    expect(out).not.toBe(bytes);
    // The clean second resource and its span are the input's bytes, unchanged, at the end.
    const clean = encodeTraces({ resourceSpans: [decodeTraces(bytes).resourceSpans[1]] });
    expect(Buffer.from(out.subarray(out.length - clean.length)).equals(Buffer.from(clean))).toBe(true);
  });

  test('the processor: protobuf and JSON input take the byte path and agree with the object path', async () => {
    const config = CONFIGS.gateway;
    // The factory reads the hash key from the environment, as in production.
    const saved = process.env.SLUICE_REDACTION_KEY;
    process.env.SLUICE_REDACTION_KEY = KEY_ENV.SLUICE_REDACTION_KEY;
    const processor = await redactionProcessorFactory.create({
      id: 'redaction', config: redactionConfigSchema.parse(config), telemetry: new Telemetry(), logger: pino({ level: 'silent' }),
      host: new ServiceHost(), pipelineId: 'traces', signal: 'traces', next: { consume: async () => {} }, exporters: new Map(),
    } as unknown as Parameters<typeof redactionProcessorFactory.create>[0]);
    if (saved === undefined) delete process.env.SLUICE_REDACTION_KEY;
    else process.env.SLUICE_REDACTION_KEY = saved;
    const bytes = piiRequest();
    const expected = decodeTraces(bytes);
    const objects = redactorWith(config, KEY_ENV);
    objects.redactTraces(expected);

    const fromProto = Batch.fromBytes('traces', bytes, 7, internalMetadata());
    const out = (await processor.process(fromProto))!;
    expect(out.hasBytes).toBe(true);
    expect(decodeTraces(out.bytes())).toEqual(expected);

    const { json } = await sdkTraces();
    const fromJson = Batch.fromRequest('traces', decodeJson('traces', json), internalMetadata());
    const jsonExpected = decodeJson('traces', json);
    objects.redactTraces(jsonExpected);
    const jsonOut = (await processor.process(fromJson))!;
    expect(jsonOut.hasBytes).toBe(true);
    expect(decodeTraces(jsonOut.bytes())).toEqual(jsonExpected);
  });
});

describe('redaction on trace bytes, fuzzed', () => {
  const PIECES = [
    'jane.doe@example.com', 'https://shop.example.com/orders?email=a@b.io&page=2', '4111 1111 1111 1111', '+1 (555) 123-4567',
    '123-45-6789', '10.0.0.1', '2001:db8::1', 'password=hunter2', 'Bearer abc12345', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig',
    'AKIAIOSFODNN7EXAMPLE', 'ghp_1234567890abcdefghijklmnopqrstuvwxYZ', 'DE89 3704 0044 0532 0130 00', 'café ', 'ünïcode ', '日本 ',
    'postgresql', 'GET', ' ', '-', '1', 'order ORD-2024-000123', 'ok', 'x'.repeat(50),
  ];
  const KEYS = ['http.url', 'db.statement', 'user.phone', 'api.token', 'safe.note', 'component', 'note'];
  const CASES: Record<string, RedactionConfigInput> = {
    gateway: CONFIGS.gateway,
    default: {},
    drop: { action: 'drop_attribute', detectors: { email: { action: 'mask' } } },
    oversize: { max_value_length: 40, oversize_action: 'hash', blocked_keys: ['*token*'], action: 'hash' },
    truncate: { max_value_length: 30, allowed_keys: ['safe.*'] },
  };

  /** Spans of `attributes` lists drawn by `next`, values from PIECES, each list used by a few spans in a row. */
  function randomSpans(next: (n: number) => number, count: number, unique: () => string): Span[] {
    const spans: Span[] = [];
    let attributes: ReturnType<typeof kv>[] = [];
    for (let i = 0; i < count; i++) {
      if (i % (1 + next(4)) === 0) {
        attributes = [];
        const size = 1 + next(6);
        for (let a = 0; a < size; a++) {
          let value = '';
          const parts = 1 + next(3);
          for (let p = 0; p < parts; p++) value += next(5) === 0 ? unique() : PIECES[next(PIECES.length)];
          attributes.push(next(8) === 0 ? kv(KEYS[next(KEYS.length)], { intValue: BigInt(next(1000)) }) : kv(KEYS[next(KEYS.length)], value));
        }
      }
      spans.push(spanWith(`span ${i}`, i, attributes.map((a) => ({ key: a.key, value: { ...a.value } }))));
    }
    return spans;
  }

  test.each(Object.keys(CASES))('%s: one redactor over many requests gives each what a fresh one gives (verdicts kept across requests)', (name) => {
    const config = CASES[name];
    const next = random(7);
    const onBytes = redactorWith(config, KEY_ENV);
    const objects = redactorWith(config, KEY_ENV);
    let serial = 0;
    // Some values new each time (60 bytes or so, past the cache's 512 KiB of value bytes over the
    // run, so it starts over), most repeated from request to request.
    const unique = () => `v${(serial++).toString(36)}-${'n'.repeat(next(50))} jane${serial}@example.com `;
    for (let round = 0; round < 60; round++) {
      const bytes = encodeTraces(tracesRequest(randomSpans(next, 300, unique), [kv('service.name', 'fuzz')]));
      const request = decodeTraces(bytes);
      objects.redactTraces(request);
      const out = onBytes.redactTraceBytes(bytes);
      expect(Buffer.from(out).equals(Buffer.from(encodeTraces(request)))).toBe(true);
      expect(onBytes.takeCounts()).toEqual(objects.takeCounts());
    }
    expect(serial).toBeGreaterThan(8000);
  });

  for (const [name, config] of Object.entries(CASES)) {
    test.each([1, 2])(`${name}: random spans (values repeated across spans, some not ASCII) as on the object path, seed %i`, (seed) => {
      const next = random(seed);
      for (let round = 0; round < 20; round++) {
        // A few attribute lists, each used by several spans in a row: the byte path remembers keys
        // and verdicts from span to span.
        const spans = randomSpans(next, 30, () => PIECES[next(PIECES.length)]);
        const { out, objectBytes } = bothPaths(config, encodeTraces(tracesRequest(spans, [kv('service.name', 'fuzz')])));
        expect(Buffer.from(out).equals(Buffer.from(objectBytes))).toBe(true);
      }
    });
  }
});
