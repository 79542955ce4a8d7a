import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeJson, encodeJson } from '../../src/otlp/json.ts';
import { decodeLogs, decodeMetrics, decodeTraces } from '../../src/otlp/protobuf.ts';
import type { RequestBySignal, Signal } from '../../src/otlp/types.ts';
import { sdkResourceMetrics, sdkSpans } from '../otlp/sdk-fixtures.ts';
import { freePorts, otlpReceiverYaml, OtlpSink, type RunningSluice, serviceYaml, startSluice, tempDir, waitFor } from './harness.ts';
import { exportWith, logExporter, metricExporter, sdkLogRecords, traceExporter, TRANSPORTS } from './sdk-clients.ts';

// Every field must survive Sluice, whichever way it comes in and goes out. Items are compared as
// canonical OTLP/JSON, one line per item together with its resource and scope.

function flatten(signal: Signal, requests: readonly RequestBySignal[Signal][]): string[] {
  const lines: string[] = [];
  for (const request of requests) {
    if (signal === 'traces') {
      for (const rs of (request as RequestBySignal['traces']).resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans) lines.push(encodeJson('traces', { resourceSpans: [{ ...rs, scopeSpans: [{ ...ss, spans: [span] }] }] }));
    } else if (signal === 'metrics') {
      for (const rm of (request as RequestBySignal['metrics']).resourceMetrics)
        for (const sm of rm.scopeMetrics)
          for (const metric of sm.metrics) lines.push(encodeJson('metrics', { resourceMetrics: [{ ...rm, scopeMetrics: [{ ...sm, metrics: [metric] }] }] }));
    } else {
      for (const rl of (request as RequestBySignal['logs']).resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const record of sl.logRecords) lines.push(encodeJson('logs', { resourceLogs: [{ ...rl, scopeLogs: [{ ...sl, logRecords: [record] }] }] }));
    }
  }
  return lines.sort();
}

describe('round trip through Sluice with the real OpenTelemetry SDK exporters', () => {
  let sluice: RunningSluice;
  const grpcSink = new OtlpSink();
  const protoSink = new OtlpSink();
  const jsonSink = new OtlpSink();
  const outDir = tempDir();
  let ports: { grpc: number; http: number };
  let metricsPort: number;

  beforeAll(async () => {
    const [grpc, http, health, metrics, sinkGrpc, sinkProto, sinkJson] = await freePorts(7);
    ports = { grpc, http };
    metricsPort = metrics;
    await grpcSink.startGrpc(sinkGrpc);
    await protoSink.startHttp(sinkProto);
    await jsonSink.startHttp(sinkJson);
    const exporters = 'exporters: [otlp, otlphttp/proto, otlphttp/json, file]';
    sluice = await startSluice(
      `
${otlpReceiverYaml(grpc, http)}
processors:
  batch: { timeout: 50ms }
exporters:
  otlp: { endpoint: 127.0.0.1:${sinkGrpc}, tls: { insecure: true } }
  otlphttp/proto: { endpoint: http://127.0.0.1:${sinkProto}, encoding: proto }
  otlphttp/json: { endpoint: http://127.0.0.1:${sinkJson}, encoding: json, compression: none }
  file: { path: ${join(outDir, 'out.jsonl')} }
${serviceYaml({ health: health, metrics: metrics, logLevel: 'warn' })}
    traces: { receivers: [otlp], processors: [batch], ${exporters} }
    metrics: { receivers: [otlp], processors: [batch], ${exporters} }
    logs: { receivers: [otlp], processors: [batch], ${exporters} }
`,
      { healthPort: health },
    );
  });

  afterAll(async () => {
    await sluice?.stop();
    await Promise.all([grpcSink.stop(), protoSink.stop(), jsonSink.stop()]);
  });

  function fileRequests<S extends Signal>(signal: S): RequestBySignal[S][] {
    const key = { traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' }[signal];
    return readFileSync(join(outDir, 'out.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes(`"${key}"`))
      .map((line) => decodeJson(signal, line));
  }

  async function expectEverywhere<S extends Signal>(signal: S, expected: string[]): Promise<void> {
    expect(expected.length).toBeGreaterThan(8);
    const outputs = { grpc: grpcSink, proto: protoSink, json: jsonSink };
    for (const [name, sink] of Object.entries(outputs)) {
      await waitFor(() => flatten(signal, sink.of(signal)).length >= expected.length, 15_000, `${name} sink ${signal}`);
      expect(flatten(signal, sink.of(signal)), `${signal} via ${name} exporter`).toEqual(expected);
    }
    await waitFor(() => flatten(signal, fileRequests(signal)).length >= expected.length, 15_000, `file ${signal}`);
    expect(flatten(signal, fileRequests(signal)), `${signal} via file exporter`).toEqual(expected);
  }

  test('traces: ids, timestamps, every attribute type, events, links, status', async () => {
    const spans = await sdkSpans(6);
    const expectedOnce = flatten('traces', [decodeTraces(ProtobufTraceSerializer.serializeRequest(spans)!)]);
    for (const transport of TRANSPORTS) {
      const result = await exportWith(traceExporter(transport, ports), spans);
      expect(result.code, `${transport}: ${result.error?.message}`).toBe(0);
    }
    await expectEverywhere('traces', [...expectedOnce, ...expectedOnce, ...expectedOnce].sort());
  });

  test('metrics: sums, gauges, histograms, exponential histograms, both temporalities', async () => {
    const expected: string[] = [];
    for (const [i, transport] of TRANSPORTS.entries()) {
      const rm = await sdkResourceMetrics(i === 1 ? 'delta' : 'cumulative');
      expected.push(...flatten('metrics', [decodeMetrics(ProtobufMetricsSerializer.serializeRequest(rm)!)]));
      const result = await exportWith(metricExporter(transport, ports), rm);
      expect(result.code, `${transport}: ${result.error?.message}`).toBe(0);
    }
    await expectEverywhere('metrics', expected.sort());
  });

  test('logs: bodies of every kind, severity, trace context, event name', async () => {
    const records = await sdkLogRecords();
    const expectedOnce = flatten('logs', [decodeLogs(ProtobufLogsSerializer.serializeRequest(records)!)]);
    for (const transport of TRANSPORTS) {
      const result = await exportWith(logExporter(transport, ports), records);
      expect(result.code, `${transport}: ${result.error?.message}`).toBe(0);
    }
    await expectEverywhere('logs', [...expectedOnce, ...expectedOnce, ...expectedOnce].sort());
  });

  test('the receiver counts what it accepted per transport', async () => {
    const page = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(page).toMatch(/otelcol_receiver_accepted_spans_total\{[^}]*receiver="otlp",transport="grpc"\} [1-9]/);
    expect(page).toMatch(/otelcol_receiver_accepted_spans_total\{[^}]*receiver="otlp",transport="http"\} [1-9]/);
    expect(page).toMatch(/otelcol_exporter_sent_log_records_total\{[^}]*exporter="file"\} [1-9]/);
  });
});
