import type { ProcessorFactory } from '../../core/component.ts';
import { memoryLimiterConfigSchema, type MemoryLimiterConfig } from './config.ts';
import { MemoryLimiter } from './memory-limiter.ts';

export const memoryLimiterProcessorFactory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: memoryLimiterConfigSchema,
  create(ctx) {
    if (ctx.config.limit_source !== undefined) ctx.logger.info({ limit_mib: Math.round(ctx.config.limit_mib), spike_limit_mib: Math.round(ctx.config.spike_limit_mib), relative_to: ctx.config.limit_source }, 'memory limit set from limit_percentage');
    // The limit is the process's: with several workers each holds to its part of it.
    const workers = ctx.host.workers?.count ?? 1;
    const config = workers === 1 ? ctx.config : { ...ctx.config, limit_mib: ctx.config.limit_mib / workers, spike_limit_mib: ctx.config.spike_limit_mib / workers };
    return new MemoryLimiter(config, ctx.host.memory, (refusing) => {
      ctx.host.setOverload(refusing);
      ctx.host.reportHealth(ctx.id, refusing ? 'degraded' : 'ok', refusing ? 'refusing: memory' : 'accepting: memory back under the limit');
      const held = ctx.host.memory.held;
      ctx.logger.warn({ refusing, heldBytes: held, limitBytes: ctx.host.memory.limit }, refusing ? 'memory limit reached: refusing data' : 'memory back under the limit: accepting data');
    });
  },
};
