import type { ProcessorFactory } from '../../core/component.ts';
import { probabilisticSamplerConfigSchema, type ProbabilisticSamplerConfig } from './config.ts';
import { createLogSampler } from './logs.ts';
import { createTraceSampler } from './traces.ts';

export const probabilisticSamplerProcessorFactory: ProcessorFactory<ProbabilisticSamplerConfig> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  signals: ['traces', 'logs'],
  mutatesData: true,
  configSchema: probabilisticSamplerConfigSchema,
  exampleConfig: () => ({ sampling_percentage: 10 }),
  create(ctx) {
    const sampler = ctx.signal === 'logs' ? createLogSampler(ctx.config) : createTraceSampler(ctx.config);
    if (sampler.decider.base === undefined && ctx.config.sampling_percentage > 0) {
      ctx.logger.warn({ processor: ctx.id, sampling_percentage: ctx.config.sampling_percentage }, 'hash_seed mode rounds this percentage to zero (14-bit hash): nothing is kept');
    }
    return { process: sampler.process };
  },
};
