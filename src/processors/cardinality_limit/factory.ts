import type { Batch } from '../../core/batch.ts';
import type { ProcessorFactory } from '../../core/component.ts';
import type { ExportMetricsServiceRequest } from '../../otlp/types.ts';
import { cardinalityLimitConfigSchema, type CardinalityLimitConfig } from './config.ts';
import { CardinalityLimiter } from './limiter.ts';

/** How often the top offending label keys are logged while series are being refused. */
const OFFENDER_LOG_INTERVAL_MS = 60_000;

/**
 * With several workers a metric's series all reach one worker, so per-stream caps hold as they
 * are; the budgets that span metrics (per tenant, global) are split evenly, so their sum holds.
 */
function perWorker(config: CardinalityLimitConfig, workers: number): CardinalityLimitConfig {
  if (workers === 1) return config;
  const part = (n: number) => (n === 0 ? 0 : Math.max(1, Math.floor(n / workers)));
  return {
    ...config,
    global_max_series: part(config.global_max_series),
    tenant_budgets: {
      default: part(config.tenant_budgets.default),
      tenants: Object.fromEntries(Object.entries(config.tenant_budgets.tenants).map(([tenant, n]) => [tenant, part(n)])),
    },
  };
}

export const cardinalityLimitProcessorFactory: ProcessorFactory<CardinalityLimitConfig> = {
  kind: 'processor',
  type: 'cardinality_limit',
  signals: ['metrics'],
  mutatesData: true,
  // A cap per metric stream counts every series of the metric: with several workers, one worker sees them all.
  colocate: { metrics: 'metric_name' },
  configSchema: cardinalityLimitConfigSchema,
  create(ctx) {
    const limiter = new CardinalityLimiter(perWorker(ctx.config, ctx.host.workers?.count ?? 1));
    const enforce = ctx.config.mode === 'enforce';
    const processor = ctx.id;
    const perMetric = (pick: (m: ReturnType<CardinalityLimiter['stats']>['metrics'][number]) => number) => () =>
      limiter.stats().metrics.map((m) => ({ labels: { processor, metric: m.metric, tenant: m.tenant }, value: pick(m) }));
    const t = ctx.telemetry;
    const names = ['processor', 'metric', 'tenant'];
    t.observe('sluice_cardinality_active_series', 'Active series per metric and tenant (metric label capped; the rest under __other__).', names, perMetric((m) => m.activeSeries));
    t.observe('sluice_cardinality_overflow_points_total', 'Data points folded into the overflow series (observe mode: that would have been).', names, perMetric((m) => m.refusedPoints), 'counter');
    t.observe('sluice_cardinality_label_values_folded_total', 'Label values folded to __other__ or dropped by label_value_limits.', names, perMetric((m) => m.labelValuesFolded), 'counter');
    t.observe('sluice_cardinality_tracked_series', 'Series the limiter tracks (bounded by max_tracked_series).', ['processor'], () => [{ labels: { processor }, value: limiter.stats().trackedSeries }]);
    t.status(`cardinality_limit/${ctx.pipelineId}/${processor}`, () => ({ stats: limiter.stats(), top_offenders: limiter.topOffenders(10) }));

    let timer: NodeJS.Timeout | undefined;
    let reportedRefusals = 0;
    return {
      start() {
        timer = setInterval(() => {
          const offenders = limiter.topOffenders(5);
          const refused = offenders.reduce((n, o) => n + o.refusedPoints, 0);
          if (refused > reportedRefusals) ctx.logger.warn({ top_offenders: offenders }, 'metric series over their cardinality limits');
          reportedRefusals = refused;
        }, OFFENDER_LOG_INTERVAL_MS);
        timer.unref();
      },
      shutdown() {
        if (timer !== undefined) clearInterval(timer);
      },
      process(batch: Batch) {
        // Observe mode changes nothing, so the batch keeps its encoded bytes.
        const request = (enforce ? batch.mutate() : batch.request) as ExportMetricsServiceRequest;
        limiter.process(request, batch.metadata.tenant);
        return batch;
      },
    };
  },
};
