// The prometheusremotewrite exporter behind the real exporter helper, as the service builds it:
// `timeout: 0` means no timeout for both the helper and the HTTP request (it used to fail every
// export with "export timed out after 0ms").
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { ExporterHelper } from '../../src/exporters/helper/exporter-helper.ts';
import { prometheusRemoteWriteExporterFactory } from '../../src/exporters/prometheusremotewrite/index.ts';
import { exporterConfigSchema, helperSettings } from '../../src/config/exporter-settings.ts';
import type { PrometheusRemoteWriteConfig } from '../../src/exporters/prometheusremotewrite/index.ts';
import { freePorts, metricValue } from '../e2e/harness.ts';
import { recordingHost } from '../exporters/helper-fixtures.ts';
import { CHECKOUT, gauge, numberPoint, request, scope } from './fixtures.ts';

let server: Server;
let endpoint: string;
let answered = 0;

beforeAll(async () => {
  const [port] = await freePorts(1);
  endpoint = `http://127.0.0.1:${port}/api/v1/write`;
  // Answers a moment later: any real deadline passes, a zero one would already have fired.
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => (answered++, res.writeHead(204).end()), 20));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('timeout 0 disables the deadline: a backend that answers after a while gets the batch', async () => {
  const config = exporterConfigSchema(prometheusRemoteWriteExporterFactory).parse({ endpoint, timeout: 0, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } }) as PrometheusRemoteWriteConfig;
  expect(config.timeout).toBe(0);
  const telemetry = new Telemetry();
  const logger = pino({ level: 'silent' });
  const host = recordingHost();
  const exporter = await prometheusRemoteWriteExporterFactory.create({ id: 'prometheusremotewrite', config, telemetry, logger, host, signal: 'metrics' });
  const helper = new ExporterHelper({ id: 'prometheusremotewrite', signal: 'metrics', exporter, settings: helperSettings(config), telemetry, logger, host });
  await helper.start();
  const metrics = request(CHECKOUT, [scope([gauge('temperature', 'Cel', [numberPoint(21.5)])])]);
  await helper.consume(Batch.fromRequest('metrics', metrics, internalMetadata()));
  expect(answered).toBe(1);
  expect(metricValue(telemetry.render(), 'otelcol_exporter_sent_metric_points_total', { exporter: 'prometheusremotewrite' })).toBe(1);
  await helper.shutdown();
});
