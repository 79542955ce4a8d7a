import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify as stringifyYaml } from 'yaml';
import { ConfigError, readRawConfig } from './config/load.ts';
import { redactSecrets } from './config/redact.ts';
import { loadAllComponents, registryFor } from './component-catalog.ts';
import { createLogger } from './logger.ts';
import { buildGraph, type Graph } from './service/graph.ts';
import { Service } from './service/service.ts';
import { cpuTotal } from './common/cgroup.ts';
import { runPrimary } from './workers/primary.ts';
import { Worker, workerEnvironment } from './workers/worker.ts';

const USAGE = `Usage:
  sluice [run] --config FILE [--config FILE …] [--set key.path=value …]
  sluice validate --config FILE [--config FILE …] [--set key.path=value …]
  sluice print-config --config FILE …   the merged, expanded config, secrets hidden
  sluice components
  sluice --version | --help

--config takes a path or the Collector's URIs: file:PATH, env:VAR, yaml:key::path: value.
Config files merge in order; --set overrides single values (service::telemetry::logs::level=debug, or with dots).
--feature-gates is accepted for Collector command lines; Sluice has no gates, and lists the ones it ignores.
Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or usage.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', multiple: true, short: 'c' },
        set: { type: 'string', multiple: true },
        'feature-gates': { type: 'string', multiple: true },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`sluice ${version()}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'run';

  if (command === 'components') {
    for (const factory of await loadAllComponents()) {
      const signals = 'signals' in factory ? factory.signals.join(', ') : factory.kind === 'connector' ? factory.pairs.map(([from, to]) => `${from}->${to}`).join(', ') : '-';
      const aliases = 'aliases' in factory && factory.aliases?.length ? ` (alias: ${factory.aliases.join(', ')})` : '';
      process.stdout.write(`${factory.kind.padEnd(10)} ${(factory.type + aliases).padEnd(36)} ${signals}\n`);
    }
    return 0;
  }
  if (command !== 'run' && command !== 'validate' && command !== 'print-config') {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  if (!values.config?.length) {
    process.stderr.write(`--config is required\n\n${USAGE}\n`);
    return 2;
  }

  const gates = (values['feature-gates'] ?? []).flatMap((list) => list.split(',')).map((g) => g.trim().replace(/^[+-]/, '')).filter((g) => g !== '');
  if (gates.length > 0) process.stderr.write(`note: --feature-gates: Sluice has no feature gates; ignored: ${gates.join(', ')}\n`);

  // validate and run build the same graph: run starts nothing unless validate would pass.
  let graph: Graph;
  try {
    const source = readRawConfig({ files: values.config, sets: values.set });
    if (command === 'print-config') process.stdout.write(stringifyYaml(redactSecrets(source.raw)));
    // Only the components this config names are loaded (component-catalog.ts).
    graph = buildGraph(source, await registryFor(source.raw));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (command === 'print-config') return 0;
  if (command === 'validate') {
    for (const notice of graph.notices) process.stderr.write(`note: ${notice.path}: ${notice.message}\n`);
    process.stdout.write(`configuration is valid: ${graph.pipelines.length} pipeline(s)\n`);
    return 0;
  }
  const config = graph.config;

  const logs = config.telemetry.logs;
  const worker = workerEnvironment();
  const workers = worker?.count ?? (config.workers === 'auto' ? cpuTotal().cpus : config.workers);
  const initialFields = worker === undefined ? logs.initial_fields : { ...logs.initial_fields, worker: worker.index };
  const logger = createLogger(logs.level, { encoding: logs.encoding, outputPaths: logs.output_paths, initialFields });
  if (worker === undefined) {
    // Each key accepted and ignored, and each deprecated name, once at start (by the primary only).
    for (const notice of graph.notices) logger.warn({ key: notice.path }, notice.message);
    if (workers > 1) {
      const primary = {
        count: workers,
        shutdownTimeoutMs: config.telemetry.shutdown_timeout,
        level: logs.level,
        logs: { encoding: logs.encoding, outputPaths: logs.output_paths, initialFields },
        exec: process.argv[1],
        args: process.argv.slice(2),
      };
      // The primary needs none of what checking the config loaded: it starts afresh, lean.
      if (typeof process.execve === 'function') {
        process.execve(process.execPath, [process.execPath, ...process.execArgv, fileURLToPath(new URL('./workers/primary-main.js', import.meta.url)), JSON.stringify(primary)]);
      }
      return runPrimary({ ...primary, logger });
    }
  }
  const peers = worker === undefined ? undefined : new Worker(worker.index, worker.count, worker.folder);
  const service = new Service(graph, { logger, workers: peers, instanceId: worker?.instanceId });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'signal received: shutting down');
    service.shutdown(config.telemetry.shutdown_timeout).then(
      () => process.exit(0),
      (error) => {
        logger.error({ error: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  // Ctrl-C reaches the whole process group; a worker waits for the primary's SIGTERM, which
  // comes at once, rather than taking a second signal as "exit now".
  process.on('SIGINT', worker === undefined ? stop : () => undefined);
  // A worker whose primary is gone (killed with SIGKILL) goes too, as its own kill would: what it
  // acknowledged is in its persistent queue or write-ahead log, as after any kill.
  process.on('disconnect', () => {
    if (!stopping) process.exit(1);
  });
  try {
    await service.start();
  } catch (error) {
    logger.error({ error: (error as Error).message }, 'start failed');
    await service.shutdown(5_000).catch(() => undefined);
    return 1;
  }
  peers?.ready();
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
