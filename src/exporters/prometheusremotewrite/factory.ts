import type { ExporterFactory } from '../../core/component.ts';
import type { ExportMetricsServiceRequest } from '../../otlp/types.ts';
import { exporterHelperFields } from '../helper/config.ts';
import { HttpClient } from '../shared/http-client.ts';
import { prometheusRemoteWriteConfigSchema } from './config.ts';
import { push } from './push.ts';

const { timeout: _sharedTimeout, ...queueAndRetry } = exporterHelperFields;
export const prometheusRemoteWriteExporterConfigSchema = prometheusRemoteWriteConfigSchema.extend(queueAndRetry);

export const prometheusRemoteWriteExporterFactory: ExporterFactory = {
  kind: 'exporter',
  type: 'prometheusremotewrite',
  signals: ['metrics'],
  configSchema: prometheusRemoteWriteExporterConfigSchema,
  create(ctx) {
    const config = ctx.config as import('zod').output<typeof prometheusRemoteWriteExporterConfigSchema>;
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
