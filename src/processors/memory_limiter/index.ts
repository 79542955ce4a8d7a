import type { Batch } from '../../core/batch.ts';
import type { ProcessorFactory } from '../../core/component.ts';
import { PipelineError } from '../../core/errors.ts';
import { memoryLimiterConfigSchema, type MemoryLimiterConfig } from './config.ts';

export { memoryLimiterConfigSchema, type MemoryLimiterConfig };

const MIB = 1024 * 1024;
type GcFunction = () => void;

/**
 * Refuses data while resident memory is above the soft limit, so clients back off and retry
 * instead of the process growing until the kernel kills it. Above the hard limit it also asks V8
 * for a full collection (when started with --expose-gc). The state is shared with components that
 * buffer (the sampler), through the host.
 */
export class MemoryLimiter {
  readonly #softBytes: number;
  readonly #hardBytes: number;
  readonly #retryAfterMs: number;
  readonly #setOverload: (overloaded: boolean) => void;
  readonly #readRss: () => number;
  #refusing = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(config: MemoryLimiterConfig, setOverload: (overloaded: boolean) => void, readRss: () => number = () => process.memoryUsage.rss()) {
    this.#hardBytes = config.limit_mib * MIB;
    this.#softBytes = (config.limit_mib - config.spike_limit_mib) * MIB;
    this.#retryAfterMs = config.retry_after;
    this.#setOverload = setOverload;
    this.#readRss = readRss;
    this.#interval = config.check_interval;
  }

  readonly #interval: number;

  start(): void {
    this.check();
    this.#timer = setInterval(() => this.check(), this.#interval);
    this.#timer.unref();
  }

  check(): void {
    let rss = this.#readRss();
    if (rss >= this.#hardBytes) {
      const gc = (globalThis as { gc?: GcFunction }).gc;
      if (gc !== undefined) {
        gc();
        rss = this.#readRss();
      }
    }
    const refusing = rss >= this.#softBytes;
    if (refusing !== this.#refusing) {
      this.#refusing = refusing;
      this.#setOverload(refusing);
    }
  }

  get refusing(): boolean {
    return this.#refusing;
  }

  process(batch: Batch): Batch {
    if (this.#refusing) throw new PipelineError('overloaded', 'memory limit reached; retry later', this.#retryAfterMs);
    return batch;
  }

  shutdown(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

export const memoryLimiterProcessorFactory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: memoryLimiterConfigSchema,
  create(ctx) {
    if (ctx.config.limit_source !== undefined) ctx.logger.info({ limit_mib: Math.round(ctx.config.limit_mib), spike_limit_mib: Math.round(ctx.config.spike_limit_mib), relative_to: ctx.config.limit_source }, 'memory limit set from limit_percentage');
    return new MemoryLimiter(ctx.config, (overloaded) => {
      ctx.host.setOverload(overloaded);
      ctx.logger.warn({ overloaded }, overloaded ? 'memory above soft limit: refusing data' : 'memory back under soft limit: accepting data');
    });
  },
};
