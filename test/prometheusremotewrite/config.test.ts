import { describe, expect, test } from 'vitest';
import { prometheusRemoteWriteConfigSchema } from '../../src/exporters/prometheusremotewrite/config.ts';

describe('prometheusremotewrite config', () => {
  test('only endpoint is required; everything else has a Collector-compatible default', () => {
    expect(prometheusRemoteWriteConfigSchema.parse({ endpoint: 'http://127.0.0.1:9090/api/v1/write' })).toEqual({
      endpoint: 'http://127.0.0.1:9090/api/v1/write',
      headers: {},
      external_labels: {},
      namespace: '',
      resource_to_telemetry_conversion: { enabled: false },
      target_info: { enabled: true },
      add_metric_suffixes: true,
      add_scope_labels: true,
      send_metadata: false,
      timeout: 5000,
      tenant_header: '',
      max_batch_size_bytes: 3_000_000,
      tls: { insecure: false, insecure_skip_verify: false },
    });
  });

  test('durations and sizes are written the Collector way', () => {
    const parsed = prometheusRemoteWriteConfigSchema.parse({ endpoint: 'https://mimir/api/v1/push', timeout: '30s', max_batch_size_bytes: '1MiB' });
    expect(parsed.timeout).toBe(30_000);
    expect(parsed.max_batch_size_bytes).toBe(1024 * 1024);
  });

  test('every problem is reported at once, each with its path', () => {
    const result = prometheusRemoteWriteConfigSchema.safeParse({
      endpoint: 'ftp://example',
      headers: { 'Content-Encoding': 'gzip' },
      external_labels: { '1st': 'x', __meta: 'y' },
      target_info: { enabeld: true },
      timeout: 'soon',
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['endpoint', 'headers.Content-Encoding', 'external_labels.1st', 'external_labels.__meta', 'target_info', 'timeout']),
    );
  });

  test('endpoint is required', () => {
    expect(prometheusRemoteWriteConfigSchema.safeParse({}).success).toBe(false);
  });
});
