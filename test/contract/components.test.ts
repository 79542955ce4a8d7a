import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { COMPONENTS } from '../../src/components.ts';
import { exporterConfigSchema, helperSettings } from '../../src/config/exporter-settings.ts';
import { Batch } from '../../src/core/batch.ts';
import type { AnyFactory, ConnectorFactory, Consumer, ExampleEnv, ExporterFactory, ProcessorFactory } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { ITEM_NAMES, Telemetry } from '../../src/core/telemetry.ts';
import { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import type { Signal } from '../../src/otlp/types.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { freePorts, OtlpSink, tempDir } from '../e2e/harness.ts';

// Run over every registered component, with the fields it cannot default taken from its factory's
// exampleConfig: that config is valid and unknown keys are not; shutdown works without start, and
// start then shutdown works; one batch goes through every processor, and through every exporter
// behind the real exporter helper, with the settings the framework adds to its schema.

const EXPORTER_ID = 'debug';
const logger = pino({ level: 'silent' });
const sink: Consumer = { consume: async () => {} };

let env: ExampleEnv;
let httpServer: Server;
const otlpSink = new OtlpSink();
const httpPosts: string[] = [];

beforeAll(async () => {
  const [grpcPort, httpPort] = await freePorts(2);
  await otlpSink.startGrpc(grpcPort);
  // Any POST is taken: OTLP/HTTP and remote write alike.
  httpServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      httpPosts.push(req.url ?? '');
      res.writeHead(200, { 'content-type': String(req.headers['content-type'] ?? 'application/x-protobuf') }).end();
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(httpPort, '127.0.0.1', resolve));
  env = { scratchDir: tempDir('contract-'), grpcEndpoint: `127.0.0.1:${grpcPort}`, httpUrl: `http://127.0.0.1:${httpPort}`, exporterId: EXPORTER_ID };
});

afterAll(async () => {
  await otlpSink.stop();
  await new Promise((resolve) => httpServer.close(resolve));
});

/** The schema the framework validates a component with: an exporter's gets the helper's settings. */
function schemaOf(factory: AnyFactory) {
  return factory.kind === 'exporter' ? exporterConfigSchema(factory) : factory.configSchema;
}

function exampleOf(factory: AnyFactory): Record<string, unknown> {
  return factory.exampleConfig?.(env) ?? {};
}

function parse(factory: AnyFactory): unknown {
  const parsed = schemaOf(factory).safeParse(exampleOf(factory));
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return parsed.data;
}

function create(factory: AnyFactory) {
  const base = { id: factory.type, config: parse(factory), telemetry: new Telemetry(), logger, host: new ServiceHost() };
  switch (factory.kind) {
    case 'receiver':
      return factory.create({
        ...base,
        consumers: { traces: sink, metrics: sink, logs: sink },
        pipelines: factory.signals.map((signal) => ({ id: signal, signal, exporters: [EXPORTER_ID], consumer: sink })),
      });
    case 'processor':
      return factory.create({ ...base, pipelineId: factory.signals[0], signal: factory.signals[0], next: sink, exporters: new Map([[EXPORTER_ID, sink]]) });
    case 'exporter':
      return factory.create({ ...base, signal: factory.signals[0] });
    case 'connector': {
      const [from, to] = factory.pairs[0];
      return factory.create({ ...base, from, to, next: sink, pipelines: new Map([[to, sink]]) });
    }
    case 'extension':
      return factory.create(base);
  }
}

const NOW = '1700000000000000000';
const RESOURCE = { attributes: [{ key: 'service.name', value: { stringValue: 'contract' } }] };
const REQUESTS: Record<Signal, string> = {
  traces: JSON.stringify({
    resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ spans: [
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'a', kind: 2, startTimeUnixNano: NOW, endTimeUnixNano: NOW },
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b175', parentSpanId: 'eee19b7ec3c1b174', name: 'b', kind: 1, startTimeUnixNano: NOW, endTimeUnixNano: NOW },
    ] }] }],
  }),
  metrics: JSON.stringify({
    resourceMetrics: [{ resource: RESOURCE, scopeMetrics: [{ metrics: [
      { name: 'contract.gauge', unit: '1', gauge: { dataPoints: [{ asDouble: 1.5, timeUnixNano: NOW }, { asDouble: 2.5, timeUnixNano: NOW, attributes: [{ key: 'k', value: { stringValue: 'v' } }] }] } },
    ] }] }],
  }),
  logs: JSON.stringify({
    resourceLogs: [{ resource: RESOURCE, scopeLogs: [{ logRecords: [{ timeUnixNano: NOW, body: { stringValue: 'one' } }, { timeUnixNano: NOW, body: { stringValue: 'two' } }] }] }],
  }),
};

function batchOf(signal: Signal): Batch {
  return Batch.fromRequest(signal, decodeJson(signal, REQUESTS[signal]), internalMetadata('acme'));
}

describe.each(COMPONENTS.map((f) => [`${f.kind} ${f.type}`, f] as const))('%s', (_name, factory) => {
  test('the example config (the fields it cannot default) is valid', () => {
    expect(schemaOf(factory).safeParse(exampleOf(factory)).success).toBe(true);
  });

  test('unknown keys are refused', () => {
    expect(schemaOf(factory).safeParse({ ...exampleOf(factory), no_such_option: 1 }).success).toBe(false);
  });

  test('shutdown works without start, and twice', async () => {
    const component = await create(factory);
    await component.shutdown?.();
    await component.shutdown?.();
  });

  test('start then shutdown', async () => {
    const component = await create(factory);
    await component.start?.();
    await component.shutdown?.();
  });
});

const processors = COMPONENTS.filter((f): f is ProcessorFactory => f.kind === 'processor');
const exporters = COMPONENTS.filter((f): f is ExporterFactory => f.kind === 'exporter');
const connectors = COMPONENTS.filter((f): f is ConnectorFactory => f.kind === 'connector');

describe.each(connectors.map((f) => [f.type, f] as const))('connector %s takes a batch', (_name, factory) => {
  test.each(factory.pairs.map(([from, to]) => [`${from} -> ${to}`, from, to] as const))('%s: what it emits, now or by shutdown, is well-formed and of its to-signal', async (_pair, from, to) => {
    const out: Batch[] = [];
    const next: Consumer = { consume: async (batch) => void out.push(batch) };
    // Downstream pipelines named after the signals, for connectors whose example names pipelines (routing).
    const pipelines = new Map<string, Consumer>((['traces', 'metrics', 'logs'] as const).map((s) => [s, next]));
    const connector = await factory.create({ id: factory.type, config: parse(factory), telemetry: new Telemetry(), logger, host: new ServiceHost(), from, to, next, pipelines });
    await connector.start?.();
    await connector.consume(batchOf(from));
    await connector.shutdown?.();
    expect(out.length).toBeGreaterThan(0);
    for (const batch of out) {
      expect(batch.signal).toBe(to);
      batch.bytes();
    }
  });
});

describe.each(processors.map((f) => [f.type, f] as const))('processor %s takes a batch', (_name, factory) => {
  test.each(factory.signals.map((s) => [s]))('%s: what it passes on, now or by shutdown, is well-formed and no more than came in', async (signal) => {
    const out: Batch[] = [];
    const next: Consumer = { consume: async (batch) => void out.push(batch) };
    const routed: Batch[] = [];
    const exporter: Consumer = { consume: async (batch) => void routed.push(batch) };
    const processor = await factory.create({
      id: factory.type,
      config: parse(factory),
      telemetry: new Telemetry(),
      logger,
      host: new ServiceHost(),
      pipelineId: signal,
      signal,
      next,
      exporters: new Map([[EXPORTER_ID, exporter]]),
    });
    await processor.start?.();
    const input = batchOf(signal);
    const items = input.itemCount;
    const result = await processor.process(input);
    if (result !== null) out.push(result);
    await processor.shutdown?.();
    const emitted = [...out, ...routed];
    for (const batch of emitted) {
      expect(batch.signal).toBe(signal);
      batch.bytes(); // encodes: the processor left a request the wire format can carry
    }
    expect(emitted.reduce((sum, b) => sum + b.itemCount, 0)).toBeLessThanOrEqual(items);
    // Routing hands the batch to the exporter it names; the others pass it on themselves.
    if (factory.type === 'routing') expect(routed).toHaveLength(1);
  });
});

describe.each(exporters.map((f) => [f.type, f] as const))('exporter %s behind the real helper', (_name, factory) => {
  test('the framework added the helper settings to its schema', () => {
    const config = parse(factory);
    // An exporter that declares a helper key itself gives it its own default (loadbalancing keeps
    // its front queue off: each backend has one); the others get the framework's.
    const own = (factory.configSchema as unknown as { shape: Record<string, unknown> }).shape;
    expect(helperSettings(config).sending_queue).toMatchObject('sending_queue' in own ? { queue_size: 1000 } : { enabled: true, queue_size: 1000 });
    expect(typeof helperSettings(config).retry_on_failure.enabled).toBe('boolean');
    if (!('retry_on_failure' in own)) expect(helperSettings(config).retry_on_failure).toMatchObject({ enabled: true });
    expect(typeof helperSettings(config).timeout).toBe('number');
  });

  test.each(factory.signals.map((s) => [s]))('%s: one batch is sent and counted, none failed', async (signal) => {
    const telemetry = new Telemetry();
    const config = parse(factory);
    const host = new ServiceHost();
    const exporter = await factory.create({ id: factory.type, config, telemetry, logger, host, signal });
    const helper = new ExporterHelper({ id: factory.type, signal, exporter, settings: helperSettings(config), telemetry, logger, host });
    await helper.start();
    const deliveredBefore = httpPosts.length + otlpSink.received.length;
    const batch = batchOf(signal);
    await helper.consume(batch);
    await helper.shutdown(Date.now() + 10_000);
    const items = ITEM_NAMES[signal];
    const counter = (name: string) => telemetry.counter(name, '', ['exporter']).get({ exporter: factory.type });
    expect(counter(`otelcol_exporter_send_failed_${items}_total`)).toBe(0);
    expect(counter(`otelcol_exporter_sent_${items}_total`)).toBe(batch.itemCount);
    // An exporter with an endpoint reached the stand-in backend.
    if ((config as { endpoint?: string }).endpoint !== undefined) expect(httpPosts.length + otlpSink.received.length).toBe(deliveredBefore + 1);
  });
});
