import { describe, expect, test } from 'vitest';
import {
  formatPromFloat,
  metricFamilyName,
  prometheusUnit,
  sanitizeLabelName,
  sanitizeMetricName,
} from '../../src/exporters/prometheusremotewrite/naming.ts';

describe('sanitizeMetricName', () => {
  test.each([
    ['http.server.duration', 'http_server_duration'],
    ['(lambda).function.executions(#)', 'lambda_function_executions'],
    ['a..b--c', 'a_b_c'],
    ['recording:rule_name', 'recording:rule_name'],
    ['2xx.responses', '_2xx_responses'],
    ['héllo.wörld', 'h_llo_w_rld'],
  ])('%s → %s', (input, expected) => {
    expect(sanitizeMetricName(input)).toBe(expected);
  });
});

describe('sanitizeLabelName', () => {
  test.each([
    ['host.name', 'host_name'],
    ['host_name', 'host_name'],
    ['name (of the host)', 'name_of_the_host_'],
    ['2 cents', 'key_2_cents'],
    ['__name__', '_name_'],
    ['http.response.status_code', 'http_response_status_code'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(sanitizeLabelName(input)).toBe(expected);
  });
});

describe('prometheusUnit', () => {
  test.each([
    ['s', 'counter', 'seconds'],
    ['ms', 'histogram', 'milliseconds'],
    ['By', 'gauge', 'bytes'],
    ['KiBy', 'gauge', 'kibibytes'],
    ['{requests}', 'counter', ''],
    ['1', 'gauge', 'ratio'],
    ['1', 'counter', ''],
    ['m/s', 'gauge', 'meters_per_second'],
    ['By/s', 'counter', 'bytes_per_second'],
    ['{packets}/s', 'counter', 'per_second'],
    ['%', 'gauge', 'percent'],
    ['Cel', 'gauge', 'celsius'],
    ['packets', 'counter', 'packets'],
    ['', 'gauge', ''],
  ] as const)('%s (%s) → %s', (unit, kind, expected) => {
    expect(prometheusUnit(unit, kind)).toBe(expected);
  });
});

describe('metricFamilyName', () => {
  test('monotonic sums get _total after the unit', () => {
    expect(metricFamilyName('http.requests', '{request}', 'counter', '', true)).toBe('http_requests_total');
    expect(metricFamilyName('process.cpu.time', 's', 'counter', '', true)).toBe('process_cpu_time_seconds_total');
  });

  test('no doubled suffixes when the name already carries them', () => {
    expect(metricFamilyName('request_duration_seconds', 's', 'histogram', '', true)).toBe('request_duration_seconds');
    expect(metricFamilyName('jobs_total', '', 'counter', '', true)).toBe('jobs_total');
    expect(metricFamilyName('system.memory.utilization', '1', 'gauge', '', true)).toBe('system_memory_utilization_ratio');
  });

  test('namespace prefixes, and add_metric_suffixes=false leaves suffixes off', () => {
    expect(metricFamilyName('queue.size', 'By', 'gauge', 'sluice', true)).toBe('sluice_queue_size_bytes');
    expect(metricFamilyName('http.requests', 's', 'counter', '', false)).toBe('http_requests');
  });
});

describe('formatPromFloat (Go FormatFloat g -1)', () => {
  test.each([
    [0, '0'],
    [1, '1'],
    [0.005, '0.005'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [2.5e-7, '2.5e-07'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [999999.5, '999999.5'],
    [1e21, '1e+21'],
    [-2.5, '-2.5'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%s → %s', (value, expected) => {
    expect(formatPromFloat(value)).toBe(expected);
  });
});
