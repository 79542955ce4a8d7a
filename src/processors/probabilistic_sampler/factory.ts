import { RateLimitedLog } from '../../common/rate-limited-log.ts';
import type { ProcessorFactory } from '../../core/component.ts';
import { probabilisticSamplerConfigSchema, type ProbabilisticSamplerConfig } from './config.ts';
import type { Decider } from './decide.ts';
import { createLogSampler } from './logs.ts';
import { createTraceSampler } from './traces.ts';

type ErrorReason = keyof Decider['errors'];
const REASONS: readonly ErrorReason[] = ['missing_randomness', 'inconsistent_threshold', 'sampling_info_in_use'];

export const probabilisticSamplerProcessorFactory: ProcessorFactory<ProbabilisticSamplerConfig> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  signals: ['traces', 'logs'],
  mutatesData: true,
  configSchema: probabilisticSamplerConfigSchema,
  exampleConfig: () => ({ sampling_percentage: 10 }),
  create(ctx) {
    const sampler = ctx.signal === 'logs' ? createLogSampler(ctx.config) : createTraceSampler(ctx.config);
    const { decider } = sampler;
    if (decider.base === undefined && ctx.config.sampling_percentage > 0) {
      ctx.logger.warn({ processor: ctx.id, sampling_percentage: ctx.config.sampling_percentage }, 'hash_seed mode rounds this percentage to zero (14-bit hash): nothing is kept');
    }
    // Kept and dropped totals are the framework's incoming/outgoing items; items with broken
    // sampling information are this processor's own news: counted per batch, logged at most once a minute.
    const errors = ctx.telemetry.counter('sluice_probabilistic_sampler_errors_total', 'Items whose sampling information was broken (dropped with fail_closed, passed unchanged without), by reason.', ['processor', 'pipeline', 'reason']);
    const bound = REASONS.map((reason) => errors.bind({ processor: ctx.id, pipeline: ctx.pipelineId, reason }));
    const seen = REASONS.map(() => 0);
    const log = new RateLimitedLog(ctx.logger, 60_000);
    return {
      process(batch) {
        const out = sampler.process(batch);
        for (let i = 0; i < REASONS.length; i++) {
          const now = decider.errors[REASONS[i]];
          if (now === seen[i]) continue;
          bound[i].add(now - seen[i]);
          seen[i] = now;
          log.log('warn', REASONS[i], { processor: ctx.id, reason: REASONS[i], fail_closed: decider.failClosed }, 'items with broken sampling information');
        }
        return out;
      },
    };
  },
};
