import { describe, expect, test } from 'vitest';
import { AggregationTemporality } from '../../src/otlp/types.ts';
import type { ExportMetricsServiceRequest } from '../../src/otlp/types.ts';
import { REFUSAL_REASONS, toTimeSeries } from '../../src/exporters/prometheusremotewrite/convert.ts';
import { PromMetricType } from '../../src/exporters/prometheusremotewrite/series.ts';
import {
  CHECKOUT,
  T_MS,
  attrs,
  config,
  find,
  gauge,
  histogram,
  histogramPoint,
  labelsOf,
  nameOf,
  numberPoint,
  request,
  scope,
  sum,
  summary,
  summaryPoint,
} from './fixtures.ts';

describe('counters and gauges', () => {
  test('a cumulative monotonic sum becomes <name>_total with job, instance and scope labels', () => {
    const req = request(CHECKOUT, [scope([sum('http.requests', '{request}', [numberPoint(42n, attrs({ 'http.route': '/cart' }))])])]);
    const { series, refused } = toTimeSeries(req, config());
    expect(refused).toEqual([]);
    const [counter] = find(series, 'http_requests_total');
    expect(labelsOf(counter)).toEqual({
      __name__: 'http_requests_total',
      http_route: '/cart',
      instance: 'pod-1',
      job: 'shop/checkout',
      otel_scope_name: 'checkout-lib',
      otel_scope_version: '1.2.3',
    });
    expect(counter.samples).toEqual([{ value: 42, timestamp: T_MS, stale: false }]);
  });

  test('job is service.name alone without a namespace; scope labels can be turned off', () => {
    const req = request({ 'service.name': 'cart' }, [scope([gauge('queue.depth', '', [numberPoint(3)])])]);
    const [series] = find(toTimeSeries(req, config({ add_scope_labels: false })).series, 'queue_depth');
    expect(labelsOf(series)).toEqual({ __name__: 'queue_depth', job: 'cart' });
  });

  test('unit suffixes: seconds, bytes, ratio for unit-1 gauges, annotations dropped', () => {
    const req = request(CHECKOUT, [
      scope([
        gauge('memory.used', 'By', [numberPoint(1024)]),
        gauge('cpu.utilization', '1', [numberPoint(0.5)]),
        sum('uptime', 's', [numberPoint(12.5)]),
        sum('active.requests', '{request}', [numberPoint(7)], false),
      ]),
    ]);
    const names = toTimeSeries(req, config()).series.map(nameOf).sort();
    expect(names).toEqual(['active_requests', 'cpu_utilization_ratio', 'memory_used_bytes', 'target_info', 'uptime_seconds_total']);
  });

  test('a non-monotonic cumulative sum is a gauge (no _total)', () => {
    const req = request(CHECKOUT, [scope([sum('pool.connections', '{connection}', [numberPoint(-3n)], false)])]);
    const [series] = find(toTimeSeries(req, config()).series, 'pool_connections');
    expect(series.samples[0].value).toBe(-3);
  });

  test('a point flagged no-recorded-value becomes a stale marker', () => {
    const req = request(CHECKOUT, [scope([gauge('temperature', 'Cel', [numberPoint(21, [], 1)])])]);
    const [series] = find(toTimeSeries(req, config()).series, 'temperature_celsius');
    expect(series.samples[0].stale).toBe(true);
    expect(series.samples[0].value).toBeNaN();
  });

  test('namespace and add_metric_suffixes=false', () => {
    const req = request(CHECKOUT, [scope([sum('http.requests', 's', [numberPoint(1)])])]);
    const names = toTimeSeries(req, config({ namespace: 'edge', add_metric_suffixes: false })).series.map(nameOf).sort();
    expect(names).toEqual(['edge_http_requests', 'edge_target_info']);
  });
});

describe('histograms and summaries', () => {
  test('explicit buckets become cumulative _bucket series ending in +Inf, plus _sum and _count', () => {
    const point = histogramPoint([0.005, 0.1, 1], [2, 3, 4, 1], 3.25, attrs({ method: 'GET' }));
    const req = request(CHECKOUT, [scope([histogram('request.duration', 's', [point])])]);
    const { series } = toTimeSeries(req, config());
    const buckets = find(series, 'request_duration_seconds_bucket', { method: 'GET' });
    const byLe = Object.fromEntries(buckets.map((s) => [labelsOf(s).le, s.samples[0].value]));
    expect(byLe).toEqual({ '0.005': 2, '0.1': 5, '1': 9, '+Inf': 10 });
    expect(find(series, 'request_duration_seconds_sum')[0].samples[0].value).toBe(3.25);
    expect(find(series, 'request_duration_seconds_count')[0].samples[0].value).toBe(10);
    for (const s of buckets) expect(labelsOf(s).job).toBe('shop/checkout');
  });

  test('a histogram without sum has no _sum series; mismatched buckets are refused', () => {
    const good = histogramPoint([1], [1, 1], undefined);
    const bad = histogramPoint([1, 2], [1, 1], 1, attrs({ bad: 'yes' }));
    const req = request(CHECKOUT, [scope([histogram('latency', 'ms', [good, bad])])]);
    const { series, refused } = toTimeSeries(req, config());
    expect(find(series, 'latency_milliseconds_sum')).toEqual([]);
    expect(find(series, 'latency_milliseconds_count')).toHaveLength(1);
    expect(refused).toEqual([{ points: 1, reason: REFUSAL_REASONS.badBuckets }]);
  });

  test('summaries become quantile series plus _sum and _count', () => {
    const point = summaryPoint([[0.5, 12], [0.99, 80]], 1500, 100);
    const req = request(CHECKOUT, [scope([summary('rpc.latency', 'ms', [point])])]);
    const { series } = toTimeSeries(req, config());
    const quantiles = find(series, 'rpc_latency_milliseconds');
    expect(Object.fromEntries(quantiles.map((s) => [labelsOf(s).quantile, s.samples[0].value]))).toEqual({ '0.5': 12, '0.99': 80 });
    expect(find(series, 'rpc_latency_milliseconds_sum')[0].samples[0].value).toBe(1500);
    expect(find(series, 'rpc_latency_milliseconds_count')[0].samples[0].value).toBe(100);
  });
});

describe('delta and unsupported types are refused and counted', () => {
  test('delta sums, delta histograms and exponential histograms', () => {
    const req = request(CHECKOUT, [
      scope([
        sum('delta.requests', '1', [numberPoint(1), numberPoint(2)], true, AggregationTemporality.DELTA),
        sum('delta.updown', '1', [numberPoint(1)], false, AggregationTemporality.DELTA),
        histogram('delta.latency', 's', [histogramPoint([1], [1, 0], 0.5)], AggregationTemporality.DELTA),
        {
          name: 'exp.latency',
          description: '',
          unit: 's',
          metadata: [],
          exponentialHistogram: {
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPoints: [
              {
                attributes: [],
                startTimeUnixNano: 0n,
                timeUnixNano: 1n,
                count: 1n,
                sum: 1,
                scale: 0,
                zeroCount: 0n,
                positive: { offset: 0, bucketCounts: [1n] },
                negative: undefined,
                flags: 0,
                exemplars: [],
                zeroThreshold: 0,
              },
            ],
          },
        },
        gauge('kept', '', [numberPoint(1)]),
      ]),
    ]);
    const { series, refused } = toTimeSeries(req, config());
    expect(series.map(nameOf).sort()).toEqual(['kept', 'target_info']);
    expect(refused).toEqual(
      expect.arrayContaining([
        { points: 3, reason: REFUSAL_REASONS.deltaSum },
        { points: 1, reason: REFUSAL_REASONS.deltaHistogram },
        { points: 1, reason: REFUSAL_REASONS.exponentialHistogram },
      ]),
    );
    expect(refused).toHaveLength(3);
  });
});

describe('resources', () => {
  test('target_info carries the non-identifying resource attributes plus job and instance', () => {
    const req = request({ ...CHECKOUT, 'k8s.pod.name': 'checkout-7f', 'process.pid': 4242n }, [scope([gauge('g', '', [numberPoint(1)])])]);
    const [info] = find(toTimeSeries(req, config()).series, 'target_info');
    expect(labelsOf(info)).toEqual({
      __name__: 'target_info',
      host_name: 'node-a',
      instance: 'pod-1',
      job: 'shop/checkout',
      k8s_pod_name: 'checkout-7f',
      process_pid: '4242',
    });
    expect(info.samples).toEqual([{ value: 1, timestamp: T_MS, stale: false }]);
  });

  test('no target_info when disabled, when only identifying attributes exist, or twice per job/instance', () => {
    const metrics = [scope([gauge('g', '', [numberPoint(1)])])];
    expect(find(toTimeSeries(request(CHECKOUT, metrics), config({ target_info: { enabled: false } })).series, 'target_info')).toEqual([]);
    expect(find(toTimeSeries(request({ 'service.name': 'x' }, metrics), config()).series, 'target_info')).toEqual([]);
    const twice: ExportMetricsServiceRequest = {
      resourceMetrics: [...request(CHECKOUT, metrics).resourceMetrics, ...request(CHECKOUT, metrics).resourceMetrics],
    };
    expect(find(toTimeSeries(twice, config()).series, 'target_info')).toHaveLength(1);
  });

  test('resource_to_telemetry_conversion copies resource attributes; point attributes win', () => {
    const req = request({ ...CHECKOUT, region: 'eu' }, [scope([gauge('g', '', [numberPoint(1, attrs({ region: 'us' }))])])]);
    const [series] = find(toTimeSeries(req, config({ resource_to_telemetry_conversion: { enabled: true } })).series, 'g');
    const labels = labelsOf(series);
    expect(labels.region).toBe('us');
    expect(labels.host_name).toBe('node-a');
    expect(labels.service_name).toBe('checkout');
    expect(labels.job).toBe('shop/checkout');
  });
});

describe('labels', () => {
  test('attribute keys are sanitised; colliding keys join values with ; in original-key order', () => {
    const attributes = attrs({ 'a.b': 'dot', a_b: 'underscore', 'a-b': 'dash', '2fa': true, ratio: 0.25 });
    const req = request(CHECKOUT, [scope([gauge('g', '', [numberPoint(1, attributes)])])]);
    const labels = labelsOf(find(toTimeSeries(req, config()).series, 'g')[0]);
    expect(labels.a_b).toBe('dash;dot;underscore');
    expect(labels.key_2fa).toBe('true');
    expect(labels.ratio).toBe('0.25');
  });

  test('external labels fill in but never override; empty values are dropped', () => {
    const req = request(CHECKOUT, [scope([gauge('g', '', [numberPoint(1, attrs({ cluster: 'local', empty: '' }))])])]);
    const cfg = config({ external_labels: { cluster: 'prod', region: 'eu-west' } });
    const { series } = toTimeSeries(req, cfg);
    const labels = labelsOf(find(series, 'g')[0]);
    expect(labels.cluster).toBe('local');
    expect(labels.region).toBe('eu-west');
    expect('empty' in labels).toBe(false);
    expect(labelsOf(find(series, 'target_info')[0]).region).toBe('eu-west');
  });

  test('an attribute cannot forge __name__ or the owned job label', () => {
    const req = request(CHECKOUT, [scope([gauge('g', '', [numberPoint(1, attrs({ __name__: 'evil', job: 'evil' }))])])]);
    const labels = labelsOf(find(toTimeSeries(req, config()).series, 'g')[0]);
    expect(labels.__name__).toBe('g');
    expect(labels.job).toBe('shop/checkout');
    expect(labels._name_).toBe('evil');
  });
});

describe('metadata', () => {
  test('send_metadata emits one TYPE/HELP/UNIT entry per family', () => {
    const req = request(CHECKOUT, [
      scope([sum('http.requests', '{request}', [numberPoint(1), numberPoint(2, attrs({ a: 'b' }))]), histogram('d', 's', [histogramPoint([1], [1, 1], 2)])]),
    ]);
    const { metadata } = toTimeSeries(req, config({ send_metadata: true }));
    expect(metadata).toEqual(
      expect.arrayContaining([
        { type: PromMetricType.COUNTER, metricFamilyName: 'http_requests_total', help: 'http.requests help', unit: '' },
        { type: PromMetricType.HISTOGRAM, metricFamilyName: 'd_seconds', help: 'd help', unit: 'seconds' },
      ]),
    );
    expect(metadata.filter((m) => m.metricFamilyName === 'http_requests_total')).toHaveLength(1);
    expect(toTimeSeries(req, config()).metadata).toEqual([]);
  });
});
