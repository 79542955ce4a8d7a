import type { ExporterFactory } from '../../core/component.ts';
import type { ExportMetricsServiceRequest } from '../../otlp/types.ts';
import { HttpClient } from '../shared/http-client.ts';
import { CLIENT_IGNORED_KEYS, clientAuthenticator, clientAuthProblems, readTlsFiles, tlsOptions } from '../shared/client-config.ts';
import { prometheusRemoteWriteConfigSchema, type PrometheusRemoteWriteConfig } from './config.ts';
import { push } from './push.ts';

// The framework adds sending_queue and retry_on_failure; `timeout` is this exporter's own field
// (its per-request deadline, as in the Collector), which the helper reads too.
export const prometheusRemoteWriteExporterFactory: ExporterFactory<PrometheusRemoteWriteConfig> = {
  kind: 'exporter',
  type: 'prometheusremotewrite',
  signals: ['metrics'],
  configSchema: prometheusRemoteWriteConfigSchema,
  exampleConfig: ({ httpUrl }) => ({ endpoint: `${httpUrl}/api/v1/write` }),
  ignoredKeys: {
    ...CLIENT_IGNORED_KEYS,
    remote_write_queue: 'Sluice queues every exporter through sending_queue (queue_size, num_consumers); set those instead',
    max_batch_request_parallelism: 'the requests of one split batch are sent in order; sending_queue.num_consumers sends batches concurrently',
    write_buffer_size: 'the HTTP client sizes its buffers itself',
  },
  validateInGraph: clientAuthProblems,
  create(ctx) {
    const config = ctx.config;
    const refused = ctx.telemetry.counter(
      'sluice_prometheusremotewrite_refused_points_total',
      'Metric points that cannot be expressed in Prometheus (delta temporality, exponential histograms), by reason.',
      ['exporter', 'reason'],
    );
    const client = new HttpClient(new URL(config.endpoint), {
      tls: readTlsFiles(config.tls),
      insecureSkipVerify: config.tls.insecure_skip_verify,
      tlsOptions: tlsOptions(config.tls),
      auth: clientAuthenticator(ctx.host, config.auth),
    });
    return {
      async push(batch, abortSignal) {
        const result = await push(batch.request as ExportMetricsServiceRequest, batch.metadata.tenant, config, client, abortSignal, batch.metadata);
        for (const refusal of result.refused) refused.add(refusal.points, { exporter: ctx.id, reason: refusal.reason });
      },
      shutdown() {
        client.close();
      },
    };
  },
};
