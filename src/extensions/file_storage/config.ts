import { z } from 'zod';
import { duration, parseDuration, size } from '../../config/units.ts';
import type { FsyncPolicy } from './disk-queue/options.ts';

// `fsync` defaults to 100ms: a killed process loses nothing (written data sits in the page
// cache, which outlives the process), a power loss or kernel crash loses at most the last
// ~100 ms of enqueues, and appends cost a write() instead of a disk flush. The Collector's
// file_storage defaults to no fsync at all; `always` is there for those who need power-loss safety.
const fsyncPolicy = z
  .union([z.string(), z.number(), z.boolean()], { error: 'fsync must be always, never, an interval such as 100ms, or true/false (the Collector\'s form)' })
  .transform((value, ctx): FsyncPolicy => {
    // The Collector's boolean: true syncs every write, false never (its default).
    if (value === true) return 'always';
    if (value === false) return 'never';
    if (value === 'always' || value === 'never') return value;
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `invalid fsync ${JSON.stringify(value)} (write always, never, or an interval such as 100ms)` });
      return z.NEVER;
    }
    return ms === 0 ? 'always' : { intervalMs: ms };
  })
  .prefault('100ms');

/** `extensions.file_storage`: where persistent queues live and how they reach the disk. */
export const fileStorageConfigSchema = z.strictObject({
  directory: z.string().min(1).default('./data/queue'),
  /** `always`, `never`, or a sync interval such as `100ms` (`0` means always). */
  fsync: fsyncPolicy,
  /** Segment file size; fully acknowledged segments are deleted, which is the only compaction needed. */
  segment_size: size('16MiB').pipe(z.number().int().min(4096, 'segment_size must be at least 4KiB')),
  /** How often acknowledgements are persisted; a crash replays at most this much delivered data. */
  checkpoint_interval: duration('1s').pipe(z.number().min(1, 'checkpoint_interval must be at least 1ms')),
  /** Payloads kept in memory after writing so a consumer that keeps up never reads back from disk. */
  cache_size: size('16MiB'),
  // The Collector's bbolt settings, accepted and ignored (see the factory's ignoredKeys).
  timeout: duration().optional(),
  compaction: z
    .strictObject({
      on_start: z.boolean().optional(),
      on_rebound: z.boolean().optional(),
      directory: z.string().optional(),
      max_transaction_size: z.number().optional(),
      rebound_needed_threshold_mib: z.number().optional(),
      rebound_trigger_threshold_mib: z.number().optional(),
      check_interval: duration().optional(),
      cleanup_on_start: z.boolean().optional(),
    })
    .optional(),
  create_directory: z.boolean().optional(),
  directory_permissions: z.string().optional(),
});

export type FileStorageConfig = z.output<typeof fileStorageConfigSchema>;

/**
 * The per-queue folder name under `file_storage.directory`: `<exporter id>-<signal>`, with
 * characters unsafe in a file name (the `/` of `otlp/backend`) percent-encoded, so distinct ids
 * never share a folder.
 */
export function queueDirectoryName(exporterId: string, signal: string): string {
  return `${exporterId}-${signal}`.replace(/[^A-Za-z0-9._-]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}
