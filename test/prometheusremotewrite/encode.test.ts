import { describe, expect, test } from 'vitest';
import { encodeWriteRequest, encodeWriteRequests } from '../../src/exporters/prometheusremotewrite/remote-write-proto.ts';
import { PromMetricType } from '../../src/exporters/prometheusremotewrite/series.ts';
import type { TimeSeries } from '../../src/exporters/prometheusremotewrite/series.ts';
import { decodeWriteRequest } from './fixtures.ts';

function series(name: string, value: number, timestamp: number, extra: Record<string, string> = {}, stale = false): TimeSeries {
  const labels = [{ name: '__name__', value: name }, ...Object.entries(extra).map(([n, v]) => ({ name: n, value: v }))];
  labels.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { labels, samples: [{ value, timestamp, stale }] };
}

describe('WriteRequest encoding', () => {
  test('round-trips through an independent protobuf decoder', () => {
    const input = [
      series('http_requests_total', 42, 1_700_000_000_123, { job: 'checkout', route: '/käse/🧀', long: 'ü'.repeat(70) }),
      series('temp', -1.5, 0),
      series('old', 2, -5),
    ];
    const decoded = decodeWriteRequest(encodeWriteRequest(input, [
      { type: PromMetricType.COUNTER, metricFamilyName: 'http_requests_total', help: 'Requests ✓', unit: '' },
    ]));
    expect(decoded.timeseries).toEqual([
      {
        labels: [
          { name: '__name__', value: 'http_requests_total' },
          { name: 'job', value: 'checkout' },
          { name: 'long', value: 'ü'.repeat(70) },
          { name: 'route', value: '/käse/🧀' },
        ],
        samples: [{ value: 42, timestamp: '1700000000123' }],
      },
      { labels: [{ name: '__name__', value: 'temp' }], samples: [{ value: -1.5, timestamp: '0' }] },
      { labels: [{ name: '__name__', value: 'old' }], samples: [{ value: 2, timestamp: '-5' }] },
    ]);
    expect(decoded.metadata).toEqual([{ type: 1, metricFamilyName: 'http_requests_total', help: 'Requests ✓', unit: '' }]);
  });

  test('stale markers carry the exact stale-NaN bits 0x7ff0000000000002', () => {
    const body = Buffer.from(encodeWriteRequest([series('up', NaN, 1000, {}, true), series('nan', NaN, 1000)]));
    const staleBits = Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]); // field 1, fixed64
    expect(body.indexOf(staleBits)).toBeGreaterThan(0);
    expect(body.indexOf(staleBits, body.indexOf(staleBits) + 1)).toBe(-1); // the plain NaN stays a plain NaN
    const decoded = decodeWriteRequest(body);
    expect(decoded.timeseries[0].samples[0].value).toBeNaN();
  });

  test('splits into several requests under max bytes; metadata goes in the first', () => {
    const many = Array.from({ length: 100 }, (_, i) => series('m', i, 1_700_000_000_000 + i, { i: String(i) }));
    const whole = encodeWriteRequests(many, []);
    expect(whole).toHaveLength(1);
    const metadata = [{ type: PromMetricType.GAUGE, metricFamilyName: 'm', help: '', unit: '' }];
    const parts = encodeWriteRequests(many, metadata, 1000);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) expect(part.byteLength).toBeLessThanOrEqual(1000);
    const decoded = parts.map(decodeWriteRequest);
    expect(decoded.flatMap((d) => d.timeseries.map((t) => t.samples[0].value))).toEqual(many.map((_, i) => i));
    expect(decoded[0].metadata).toHaveLength(1);
    expect(decoded.slice(1).every((d) => d.metadata.length === 0)).toBe(true);
  });

  test('an empty batch encodes to no request', () => {
    expect(encodeWriteRequests([], [])).toEqual([]);
  });
});
