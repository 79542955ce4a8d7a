import type { ExporterFactory } from '../../core/component.ts';
import type { ExportMetricsServiceRequest } from '../../otlp/types.ts';
import { HttpClient } from '../shared/http-client.ts';
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
  create(ctx) {
    const config = ctx.config;
    const refused = ctx.telemetry.counter(
      'sluice_prometheusremotewrite_refused_points_total',
      'Metric points that cannot be expressed in Prometheus (delta temporality, exponential histograms), by reason.',
      ['exporter', 'reason'],
    );
    const client = new HttpClient(new URL(config.endpoint));
    return {
      async push(batch, abortSignal) {
        const result = await push(batch.request as ExportMetricsServiceRequest, batch.metadata.tenant, config, client, abortSignal);
        for (const refusal of result.refused) refused.add(refusal.points, { exporter: ctx.id, reason: refusal.reason });
      },
      shutdown() {
        client.close();
      },
    };
  },
};
