// Real OpenTelemetry JS SDK output, used as the ground truth for the codec tests.
import { ManualReader } from '../support/sdk.ts';
import {
  context,
  createTraceState,
  ROOT_CONTEXT,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  ValueType,
  type Attributes,
} from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  type ResourceMetrics as SdkResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

export interface SdkBytes {
  proto: Uint8Array;
  json: string;
}

const RESOURCE = resourceFromAttributes(
  { 'service.name': 'checkout', 'host.cpus': 8, 'deploy.canary': false, 'build.ratio': 0.25, 'tags': ['a', 'b'] },
  { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' },
);

const REMOTE_PARENT = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: createTraceState('vendor=opaque,ot=th:8'),
};

/** Every attribute value kind the span API accepts, including non-ASCII text and big ints. */
export const RICH_ATTRIBUTES: Attributes = {
  'str': 'value',
  'str.empty': '',
  'str.unicode': 'héllo wörld ✓ 日本',
  'bool.true': true,
  'bool.false': false,
  'int.zero': 0,
  'int.neg': -42,
  'int.big': 2 ** 52 + 1,
  'double': 3.25,
  'double.neg': -0.5,
  'arr.str': ['x', 'y'],
  'arr.int': [1, 2, 3],
  'arr.bool': [true, false],
  'arr.double': [1.5, 2.5],
  'long.string': 'x'.repeat(300),
};

export async function sdkSpans(count = 6): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: RESOURCE,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    spanLimits: { attributeCountLimit: 64, eventCountLimit: 3, linkCountLimit: 2 },
  });
  const tracer = provider.getTracer('codec-test', '1.2.3', { schemaUrl: 'https://example.com/scope-schema' });
  const other = provider.getTracer('other-scope');
  const parentCtx = trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT);
  const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan(
      `op-${i}`,
      {
        kind: kinds[i % kinds.length],
        attributes: i === 0 ? RICH_ATTRIBUTES : { 'http.method': 'GET', 'i': i },
        links: [
          {
            context: { ...REMOTE_PARENT, spanId: '00f067aa0ba902b7', isRemote: i % 2 === 0 },
            attributes: { 'link.attr': 'v', n: i },
          },
        ],
        startTime: [1_700_000_000 + i, 123_456_789],
      },
      i % 2 === 0 ? parentCtx : context.active(),
    );
    span.addEvent('evt', { 'evt.attr': 'a', 'evt.n': 7 }, [1_700_000_000 + i, 500]);
    if (i === 1) {
      // more events than the limit: dropped_events_count > 0
      for (let e = 0; e < 5; e++) span.addEvent(`extra-${e}`);
      span.addLink({ context: { ...REMOTE_PARENT, spanId: '1111111111111111' } });
      span.addLink({ context: { ...REMOTE_PARENT, spanId: '2222222222222222' } });
    }
    if (i % 3 === 1) span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom ✗' });
    if (i % 3 === 2) span.setStatus({ code: SpanStatusCode.OK });
    span.end([1_700_000_001 + i, 987_654_321]);
  }
  other.startSpan('unsampled-scope', { kind: SpanKind.SERVER }).end();
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

export async function sdkTraces(count?: number): Promise<SdkBytes> {
  const spans = await sdkSpans(count);
  return {
    proto: ProtobufTraceSerializer.serializeRequest(spans)!,
    json: new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!),
  };
}

/** Spans shaped like the benchmark's typical span: 10 attributes and 1 event. */
export async function typicalSpans(count: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench', 'host.name': 'h1' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan('GET /api/orders/{id}', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/orders/{id}',
        'http.response.status_code': 200,
        'url.path': `/api/orders/${i}`,
        'url.scheme': 'https',
        'server.address': 'orders.internal',
        'server.port': 8443,
        'client.address': '10.1.2.3',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
        'app.cache_hit': i % 2 === 0,
      },
    });
    span.addEvent('db.query', { 'db.system': 'postgresql', 'db.rows': 3 });
    span.end();
  }
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

// ---- metrics ----


export async function sdkResourceMetrics(temporality: 'delta' | 'cumulative'): Promise<SdkResourceMetrics> {
  const reader = new ManualReader({
    aggregationTemporalitySelector: () =>
      temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  });
  const provider = new MeterProvider({
    resource: RESOURCE,
    readers: [reader],
    views: [{ instrumentName: 'exp.*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('codec-metrics', '2.0.0', { schemaUrl: 'https://example.com/m' });
  const counter = meter.createCounter('requests', { description: 'requests served', unit: '{request}' });
  counter.add(5, { route: '/a' });
  counter.add(7, { route: '/b', ok: true });
  const upDown = meter.createUpDownCounter('queue.depth', { valueType: ValueType.INT });
  upDown.add(-3);
  upDown.add(10, { q: 'x' });
  const gauge = meter.createGauge('temperature', { unit: 'Cel' });
  gauge.record(21.5, { room: 'lab' });
  const intGauge = meter.createGauge('int.gauge', { valueType: ValueType.INT });
  intGauge.record(-9_007_199_254_740_991);
  const histogram = meter.createHistogram('latency', { unit: 'ms' });
  for (const v of [0.5, 3, 12, 70, 250, 900, 12_000]) histogram.record(v, { route: '/a' });
  const exp = meter.createHistogram('exp.latency', { unit: 's' });
  for (const v of [0.001, 0.5, 1, 2, 4, 1000, -3, 0]) exp.record(v);
  const emptyHistogram = meter.createHistogram('no.buckets', { advice: { explicitBucketBoundaries: [] } });
  emptyHistogram.record(3);
  const observable = meter.createObservableGauge('observed');
  observable.addCallback((r) => r.observe(1.25, { src: 'cb' }));
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw errors[0];
  return resourceMetrics;
}

export async function sdkMetrics(temporality: 'delta' | 'cumulative'): Promise<SdkBytes> {
  const rm = await sdkResourceMetrics(temporality);
  return {
    proto: ProtobufMetricsSerializer.serializeRequest(rm)!,
    json: new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)!),
  };
}

// ---- logs ----

export async function sdkLogs(): Promise<SdkBytes> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: RESOURCE, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('codec-logs', '3.0.0', { schemaUrl: 'https://example.com/l' });
  const spanCtx = trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT);
  logger.emit({ body: 'plain text body', severityNumber: SeverityNumber.INFO, severityText: 'INFO', timestamp: [1_700_000_000, 1] });
  logger.emit({
    body: { nested: { deep: [1, 'two', true, 3.5] }, bytes: new Uint8Array([0, 1, 254, 255]), n: -7 },
    severityNumber: SeverityNumber.ERROR,
    attributes: { 'k': 'v', 'arr': [1, 2], 'map': { a: 1, b: { c: 'd' } } },
    context: spanCtx,
    eventName: 'app.checkout.failed',
  });
  logger.emit({ body: 42, severityNumber: SeverityNumber.WARN2 });
  logger.emit({ body: true });
  logger.emit({ body: 6.02e-23, severityText: 'custom' });
  logger.emit({ body: ['a', 1, false], attributes: { empty: '' } });
  logger.emit({ attributes: { 'no.body': true } });
  logger.emit({ body: new Uint8Array([7, 7, 7]) });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  return {
    proto: ProtobufLogsSerializer.serializeRequest(records)!,
    json: new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records)!),
  };
}
