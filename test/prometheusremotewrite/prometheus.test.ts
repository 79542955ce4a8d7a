// End to end against a real Prometheus (Debian package `prometheus`): the OpenTelemetry JS SDK
// produces the metrics, push() writes them, PromQL reads them back.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExportError } from '../../src/core/errors.ts';
import { push } from '../../src/exporters/prometheusremotewrite/push.ts';
import { config, gauge, numberPoint, request, scope } from './fixtures.ts';
import { ManualReader, sdkMetricsRequest as sdkToRequest } from '../support/sdk.ts';

const PROMETHEUS_PORT = 19090;
const PROMETHEUS_URL = `http://127.0.0.1:${PROMETHEUS_PORT}`;

/** PROMETHEUS_BIN, when set, is the only candidate; otherwise PATH, then /usr/bin/prometheus. */
function findPrometheus(): string | undefined {
  const override = process.env.PROMETHEUS_BIN;
  if (override !== undefined && override !== '') return existsSync(override) ? override : undefined;
  const candidates = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'prometheus'));
  candidates.push('/usr/bin/prometheus');
  return candidates.find((path) => path.length > 'prometheus'.length && existsSync(path));
}

const binary = findPrometheus();
const required = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';


let prometheus: ChildProcess | undefined;
let dataDir = '';
let prometheusLog = '';

async function startPrometheus(path: string): Promise<void> {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-prw-'));
  const configFile = join(dataDir, 'prometheus.yml');
  await writeFile(configFile, 'global:\n  scrape_interval: 1h\n');
  prometheus = spawn(
    path,
    [
      '--web.enable-remote-write-receiver',
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (prometheus.exitCode !== null) break;
    try {
      const response = await fetch(`${PROMETHEUS_URL}/-/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Prometheus did not become ready on ${PROMETHEUS_URL}:\n${prometheusLog.slice(-2000)}`);
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<VectorSample[]> {
  const response = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; data: { resultType: string; result: VectorSample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
  return body.data.result;
}

async function value(promql: string): Promise<number> {
  const result = await query(promql);
  expect(result, `${promql} should match exactly one series`).toHaveLength(1);
  return Number(result[0].value[1]);
}

describe.skipIf(binary === undefined && !required)('remote write into a real Prometheus', () => {
  beforeAll(async () => {
    if (binary === undefined) {
      throw new Error(
        'prometheus is not installed (looked at $PROMETHEUS_BIN, on PATH and at /usr/bin/prometheus) but CI is set: install the Debian package, e.g. `apt-get install -y --no-install-recommends prometheus`',
      );
    }
    await startPrometheus(binary);

    const reader = new ManualReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': 'checkout',
        'service.instance.id': 'pod-1',
        'deployment.environment': 'test',
      }),
      readers: [reader],
    });
    const meter = provider.getMeter('checkout-instrumentation', '0.4.2');
    const requests = meter.createCounter('http.requests', { unit: '{request}', description: 'HTTP requests served' });
    requests.add(40, { 'http.route': '/cart' });
    requests.add(2, { 'http.route': '/cart' });
    requests.add(5, { 'http.route': '/pay' });
    meter.createGauge('cpu.utilization', { unit: '1' }).record(0.25);
    meter.createUpDownCounter('queue.items', { unit: '{item}' }).add(-3);
    const duration = meter.createHistogram('request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
    for (const seconds of [0.05, 0.3, 0.7, 2]) duration.record(seconds, { 'http.route': '/cart' });

    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    await provider.shutdown();
    const result = await push(sdkToRequest(resourceMetrics), undefined, config({ endpoint: `${PROMETHEUS_URL}/api/v1/write` }));
    expect(result.refused).toEqual([]);
  }, 30_000);

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('counters arrive as <name>_total with job, instance and scope labels', async () => {
    expect(await value('http_requests_total{job="checkout", http_route="/cart"}')).toBe(42);
    expect(await value('sum(http_requests_total{job="checkout"})')).toBe(47);
    const [series] = await query('http_requests_total{http_route="/pay"}');
    expect(series.metric).toMatchObject({
      instance: 'pod-1',
      job: 'checkout',
      otel_scope_name: 'checkout-instrumentation',
      otel_scope_version: '0.4.2',
    });
  });

  test('gauges and up-down counters arrive with unit suffixes', async () => {
    expect(await value('cpu_utilization_ratio{job="checkout"}')).toBe(0.25);
    expect(await value('queue_items{job="checkout"}')).toBe(-3);
  });

  test('histograms arrive as cumulative buckets with +Inf, _sum and _count', async () => {
    expect(await value('request_duration_seconds_bucket{le="0.1"}')).toBe(1);
    expect(await value('request_duration_seconds_bucket{le="0.5"}')).toBe(2);
    expect(await value('request_duration_seconds_bucket{le="1"}')).toBe(3);
    expect(await value('request_duration_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(await value('request_duration_seconds_count')).toBe(4);
    expect(await value('request_duration_seconds_sum')).toBeCloseTo(3.05, 10);
    expect(await value('histogram_quantile(0.5, request_duration_seconds_bucket)')).toBeGreaterThan(0.1);
  });

  test('target_info carries the other resource attributes and joins on job/instance', async () => {
    const [info] = await query('target_info');
    expect(info.metric).toMatchObject({ job: 'checkout', instance: 'pod-1', deployment_environment: 'test' });
    expect(info.metric).not.toHaveProperty('service_name');
    const joined = await query('http_requests_total * on (job, instance) group_left(deployment_environment) target_info');
    expect(joined.map((s) => s.metric.deployment_environment)).toEqual(['test', 'test']);
  });

  test('a no-recorded-value point ends the series with a staleness marker', async () => {
    const cfg = config({ endpoint: `${PROMETHEUS_URL}/api/v1/write` });
    const now = BigInt(Date.now()) * 1_000_000n;
    const resource = { 'service.name': 'stale-probe' };
    await push(request(resource, [scope([gauge('probe.value', '', [numberPoint(1, [], 0, now - 2_000_000n)])])]), undefined, cfg);
    expect(await value('probe_value{job="stale-probe"}')).toBe(1);
    await push(request(resource, [scope([gauge('probe.value', '', [numberPoint(0, [], 1, now - 1_000_000n)])])]), undefined, cfg);
    expect(await query('probe_value{job="stale-probe"}')).toEqual([]);
  });

  test('Prometheus refusing an out-of-order sample is a permanent error', async () => {
    const cfg = config({ endpoint: `${PROMETHEUS_URL}/api/v1/write` });
    const now = BigInt(Date.now()) * 1_000_000n;
    const resource = { 'service.name': 'ooo-probe' };
    await push(request(resource, [scope([gauge('ooo.value', '', [numberPoint(1, [], 0, now)])])]), undefined, cfg);
    const error = await push(request(resource, [scope([gauge('ooo.value', '', [numberPoint(2, [], 0, now - 60_000_000_000n)])])]), undefined, cfg).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).retryable).toBe(false);
    expect((error as ExportError).message).toMatch(/HTTP 400.*out of order/i);
  });
});
