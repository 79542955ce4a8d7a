import { createServer } from 'node:http';
import { describe, expect, test } from 'vitest';
import { defaultRegistry } from '../../src/components.ts';
import { ConfigError, readRawConfig } from '../../src/config/load.ts';
import { resourceLabels, telemetryResource } from '../../src/config/telemetry.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { consoleLine } from '../../src/logger.ts';
import { decodeMetrics } from '../../src/otlp/protobuf.ts';
import { buildGraph, type Graph } from '../../src/service/graph.ts';
import { PeriodicMetricsReader } from '../../src/service/self-metrics-push.ts';
import { freePorts, OtlpSink } from '../e2e/harness.ts';
import pino from 'pino';

const registry = defaultRegistry();

function graphOf(telemetry: string): Graph {
  return buildGraph(readRawConfig({ files: [], texts: [`
receivers: { otlp: {} }
exporters: { debug: {} }
service:
  telemetry: ${telemetry}
  pipelines: { traces: { receivers: [otlp], exporters: [debug] } }
`] }), registry);
}

function problemsOf(telemetry: string): string[] {
  try {
    graphOf(telemetry);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('service.telemetry in the Collector\'s current shape', () => {
  test('a pull reader serves /metrics on its host and port; a periodic reader is kept; the old address still works', () => {
    const graph = graphOf(`
    resource: { service.name: gateway }
    metrics:
      level: detailed
      readers:
        - pull: { exporter: { prometheus: { host: 0.0.0.0, port: 9464 } } }
        - periodic: { interval: 15000, exporter: { otlp: { protocol: http/protobuf, endpoint: "http://127.0.0.1:4318/v1/metrics", headers: [{ name: api-key, value: k }] } } }`);
    const metrics = graph.config.telemetry.metrics;
    expect(metrics.listeners.map((l) => l.endpoint)).toEqual(['0.0.0.0:9464']);
    expect(metrics.periodic).toMatchObject([{ intervalMs: 15_000, protocol: 'http/protobuf', headers: { 'api-key': 'k' } }]);
    expect(graph.notices.map((n) => n.path)).toContain('service.telemetry.metrics.level');
    expect(graphOf('{ metrics: { address: 127.0.0.1:9999 } }').config.telemetry.metrics.listeners.map((l) => l.endpoint)).toEqual(['127.0.0.1:9999']);
    expect(graphOf('{}').config.telemetry.metrics.address).toBe('127.0.0.1:8888');
    expect(graphOf('{ metrics: { level: none } }').config.telemetry.metrics.listeners).toEqual([]);
  });

  test('mistakes in readers are reported with their paths', () => {
    expect(problemsOf('{ metrics: { readers: [{ periodic: { exporter: { otlp: { endpoint: "collector:4317", protocol: grpc } } } }] } }').join('\n')).toMatch(/readers\[0\]\.periodic\.exporter\.otlp\.endpoint: must be an http/);
    expect(problemsOf('{ logs: { encoding: yaml } }')).toEqual(['service.telemetry.logs.encoding: must be one of "json", "console"; got "yaml"']);
    expect(problemsOf('{ metrics: { readers: [{ pull: { exporter: { prometheus: { host: 127.0.0.1, port: 8888, without_units: true } } } }] } }').join('\n')).toContain('unit suffixes');
  });

  test('a pull reader on a port a receiver uses is a clash', () => {
    expect(problemsOf('{ metrics: { readers: [{ pull: { exporter: { prometheus: { host: 127.0.0.1, port: 4318 } } } }] } }')).toEqual([
      'service.telemetry.metrics.readers[0].pull.exporter.prometheus.port: port 4318 is already taken by receivers.otlp.protocols.http.endpoint',
    ]);
  });

  test('every self-metric carries service_name, service_instance_id and service_version; resource overrides and removes', () => {
    const telemetry = new Telemetry();
    telemetry.counter('otelcol_receiver_accepted_spans_total', 'x', ['receiver']).add(3, { receiver: 'otlp' });
    telemetry.setConstantLabels(resourceLabels(telemetryResource({ 'service.name': 'gw', 'service.version': null }, '1.2.3', 'abc')));
    expect(telemetry.render()).toContain('otelcol_receiver_accepted_spans_total{service_instance_id="abc",service_name="gw",receiver="otlp"} 3');
  });

  test('console encoding writes time, level, message and the fields', () => {
    expect(consoleLine('{"level":40,"time":"T","service":"sluice","msg":"hello","key":"a"}')).toBe('T\twarn\thello\t{"key":"a"}');
  });

  test('the periodic reader pushes the self-metrics as OTLP protobuf with its headers', async () => {
    const [port] = await freePorts(1);
    const received: Array<{ headers: Record<string, unknown>; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const telemetry = new Telemetry();
      telemetry.counter('otelcol_exporter_sent_spans_total', 'sent', ['exporter']).add(7, { exporter: 'otlp' });
      telemetry.gauge('otelcol_exporter_queue_size', 'size', ['exporter']).set(2, { exporter: 'otlp' });
      const reader = new PeriodicMetricsReader(
        { intervalMs: 60_000, timeoutMs: 5_000, timeout: 5_000, protocol: 'http/protobuf', endpoint: `http://127.0.0.1:${port}/v1/metrics`, headers: { 'api-key': 'k' }, compression: 'none' },
        telemetry, { 'service.name': 'sluice' }, pino({ level: 'silent' }),
      );
      await reader.push();
      await reader.shutdown();
      expect(received.length).toBeGreaterThanOrEqual(1);
      expect(received[0].headers['api-key']).toBe('k');
      const request = decodeMetrics(received[0].body);
      const metrics = request.resourceMetrics[0].scopeMetrics[0].metrics;
      const sent = metrics.find((m) => m.name === 'otelcol_exporter_sent_spans')!;
      expect(sent.sum?.isMonotonic).toBe(true);
      expect(sent.sum?.dataPoints[0].asDouble).toBe(7);
      expect(metrics.find((m) => m.name === 'otelcol_exporter_queue_size')?.gauge?.dataPoints[0].asDouble).toBe(2);
      expect(request.resourceMetrics[0].resource?.attributes).toEqual([{ key: 'service.name', value: { stringValue: 'sluice' } }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('a periodic reader with protocol grpc pushes over OTLP/gRPC', async () => {
    const [port] = await freePorts(1);
    const sink = new OtlpSink();
    await sink.startGrpc(port);
    try {
      const telemetry = new Telemetry();
      telemetry.counter('otelcol_receiver_accepted_spans_total', 'accepted', ['receiver']).add(5, { receiver: 'otlp' });
      const reader = new PeriodicMetricsReader(
        { intervalMs: 60_000, timeoutMs: 5_000, timeout: 5_000, protocol: 'grpc', endpoint: `http://127.0.0.1:${port}`, headers: { 'x-key': 'k' }, compression: 'none' },
        telemetry, { 'service.name': 'sluice' }, pino({ level: 'silent' }),
      );
      await reader.push();
      await reader.shutdown();
      expect(sink.received[0].headers['x-key']).toBe('k');
      expect(sink.of('metrics')[0].resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toContain('otelcol_receiver_accepted_spans');
    } finally {
      await sink.stop();
    }
  });
});
