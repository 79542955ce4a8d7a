// The entry of a primary (service.workers > 1). The CLI checks the configuration, then replaces
// itself with this (same pid, same stdio): the primary runs no pipeline, so it need not keep the
// components, schemas and graph the check loaded, about 30 MiB of a pool's memory.
import { createLogger, type LogOptions } from '../logger.ts';
import { runPrimary } from './primary.ts';

export interface PrimaryArguments {
  count: number;
  shutdownTimeoutMs: number;
  level: string;
  logs: LogOptions;
  /** What each worker runs: the entry and arguments Sluice was started with. */
  exec: string;
  args: string[];
}

const options = JSON.parse(process.argv[2]) as PrimaryArguments;
const logger = createLogger(options.level, options.logs);
runPrimary({ count: options.count, logger, shutdownTimeoutMs: options.shutdownTimeoutMs, exec: options.exec, args: options.args }).then(
  (code) => process.exit(code),
  (error) => {
    logger.error({ error: String(error) }, 'primary failed');
    process.exit(1);
  },
);
