import type { Batch } from '../../core/batch.ts';
import { PipelineError } from '../../core/errors.ts';
import type { MemoryBudget } from '../../core/memory.ts';
import { memoryLimiterConfigSchema, type MemoryLimiterConfig } from './config.ts';

export { memoryLimiterConfigSchema, type MemoryLimiterConfig };

const MIB = 1024 * 1024;
type GcFunction = () => void;
/** What Sluice may hold is never set below this share of the soft limit, whatever the baseline. */
const MIN_HELD_SHARE = 0.25;
/**
 * Resident memory per byte held, at the peak: a body is read in chunks and joined, batches are
 * merged, and garbage waits for a collection. Measured ~1.5 with limit_mib 200 under 5× overload
 * (test/e2e/overload.test.ts: held 76 MiB over an 84 MiB baseline peaked at 191-199 MiB RSS).
 */
const RSS_PER_HELD_BYTE = 1.5;

/**
 * Refuses new work while what Sluice holds (request bodies, waiting batches, queues, the
 * sampler's buffer: the host's MemoryBudget) would pass its limit, so clients back off and retry
 * instead of the process growing until the kernel kills it.
 *
 * The limit on held bytes is what fits between the process's resident memory at start (code,
 * heap, buffers that are not data) and the soft limit (`limit_mib − spike_limit_mib`), at
 * RSS_PER_HELD_BYTE. RSS is a second signal: above the hard limit, the limit tightens a little,
 * and refusing ends as soon as held bytes are under it, whatever RSS does: the RSS left after a
 * spike is memory Node has not returned to the OS (freed ArrayBuffers, malloc arenas), which new
 * work reuses, and refusing would free none of it. Above the hard limit it also asks V8 for a
 * full collection (with --expose-gc).
 */
export class MemoryLimiter {
  readonly #config: MemoryLimiterConfig;
  readonly #budget: MemoryBudget;
  readonly #onChange: (refusing: boolean) => void;
  readonly #readRss: () => number;
  readonly #softBytes: number;
  readonly #hardBytes: number;
  #heldLimit = Infinity;
  #refusing = false;
  /** The budget's refusal count at the last check. */
  #refusalsSeen = 0;
  #timer: NodeJS.Timeout | undefined = undefined;

  constructor(config: MemoryLimiterConfig, budget: MemoryBudget, onChange: (refusing: boolean) => void, readRss: () => number = () => process.memoryUsage.rss()) {
    this.#config = config;
    this.#budget = budget;
    this.#onChange = onChange;
    this.#readRss = readRss;
    this.#hardBytes = config.limit_mib * MIB;
    this.#softBytes = (config.limit_mib - config.spike_limit_mib) * MIB;
  }

  /** Measures the baseline and sets the budget's limit; idempotent across pipelines sharing a host. */
  start(): void {
    const baseline = this.#readRss();
    this.#heldLimit = Math.floor(Math.max((this.#softBytes - baseline) / RSS_PER_HELD_BYTE, this.#softBytes * MIN_HELD_SHARE));
    // Several pipelines may each have a limiter; the tightest limit wins.
    if (this.#heldLimit < this.#budget.limit) this.#budget.setLimit(this.#heldLimit, this.#config.retry_after);
    this.check();
    this.#timer = setInterval(() => this.check(), this.#config.check_interval);
    this.#timer.unref();
  }

  get heldLimit(): number {
    return this.#heldLimit;
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
    const budget = this.#budget;
    budget.setRssPressure(rss >= this.#hardBytes);
    // Refusing: something was refused since the last check, or held bytes are over the limit.
    // Admission keeps held bytes under the limit, so the refusals are what show the pressure.
    const refusals = budget.refusalTotal;
    const refusing = refusals > this.#refusalsSeen || budget.overLimit;
    this.#refusalsSeen = refusals;
    budget.setRefusing(refusing);
    if (refusing !== this.#refusing) {
      this.#refusing = refusing;
      this.#onChange(refusing);
    }
  }

  get refusing(): boolean {
    return this.#refusing;
  }

  /** Receivers refuse before reading a body; this catches what they let through (gRPC, connectors). */
  process(batch: Batch): Batch {
    const budget = this.#budget;
    if (budget.overLimit) {
      budget.countRefusal('held_limit');
      throw new PipelineError('overloaded', 'memory limit reached; retry later', this.#config.retry_after);
    }
    return batch;
  }

  shutdown(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
