import { z } from 'zod';
import { memoryTotal } from '../../common/cgroup.ts';
import { duration } from '../../config/units.ts';

const MIB = 1024 * 1024;
const percentage = z.number().int().min(0).max(100);

// limit_percentage / spike_limit_percentage are the Collector's: shares of the memory the process
// may use (the cgroup limit, else total memory), resolved once when the config is read. A fixed
// limit_mib takes precedence, as in the Collector.
export const memoryLimiterConfigSchema = z
  .object({
    check_interval: duration('1s'),
    /** Hard limit on resident memory, in MiB. Default 512, unless limit_percentage is set. */
    limit_mib: z.number().positive().optional(),
    /** Headroom below the hard limit; refusing starts at limit − spike (the soft limit). Default 20% of the limit. */
    spike_limit_mib: z.number().min(0).optional(),
    /** Hard limit as a percentage of the container's memory limit (cgroup v2 or v1), else of total memory. */
    limit_percentage: percentage.optional(),
    /** Headroom as a percentage of the same total; below limit_percentage. */
    spike_limit_percentage: percentage.optional(),
    /** How long clients are told to wait before retrying, sent as Retry-After / RetryInfo. */
    retry_after: duration('2s'),
  })
  .strict()
  .transform((c) => {
    const { limit_percentage, spike_limit_percentage, ...rest } = c;
    if (c.limit_mib === undefined && limit_percentage !== undefined && limit_percentage > 0) {
      const total = memoryTotal();
      const limit = (total.bytes * limit_percentage) / 100 / MIB;
      const spike = c.spike_limit_mib ?? (spike_limit_percentage !== undefined ? (total.bytes * spike_limit_percentage) / 100 / MIB : limit * 0.2);
      return { ...rest, limit_mib: limit, spike_limit_mib: spike, limit_source: `${limit_percentage}% of ${Math.round(total.bytes / MIB)} MiB, ${total.source}` as string | undefined };
    }
    const limit = c.limit_mib ?? 512;
    return { ...rest, limit_mib: limit, spike_limit_mib: c.spike_limit_mib ?? limit * 0.2, limit_source: undefined as string | undefined };
  })
  .refine((c) => c.spike_limit_mib < c.limit_mib, { message: 'the spike limit (spike_limit_mib or spike_limit_percentage) must be below the limit', path: ['spike_limit_mib'] });

export type MemoryLimiterConfig = z.output<typeof memoryLimiterConfigSchema>;
