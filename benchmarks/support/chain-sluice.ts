// The gateway chain's Sluice as the end-to-end benchmarks start it, and the sink it sends to.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '../../test/e2e/harness.ts';

const LAUNCHER = join(resolve(import.meta.dirname, '../..'), 'bin/sluice.js');

// The gateway's processor settings (pipelines/gateway.yaml), with the sampler's buffer in memory
// and no tenant table (any well-formed tenant is accepted; the header names it).
export const PROCESSORS: Record<string, string> = {
  memory_limiter: 'memory_limiter: { check_interval: 1s, limit_mib: 1024 }',
  tenant: 'tenant: {}',
  redaction: "redaction: { action: mask, detectors: { email: { action: hash } }, blocked_keys: [password, '*.secret', '*token*'] }",
  adaptive_sampling: 'adaptive_sampling: { decision_wait: 5s, target_traces_per_second: 200 }',
  batch: 'batch: { timeout: 200ms, send_batch_size: 8192 }',
};

export const GATEWAY_CHAIN = ['memory_limiter', 'tenant', 'redaction', 'adaptive_sampling', 'batch'];

/** The backend otlphttp sends to, in `processes` processes of their own (support/sink-process.ts). */
export async function startSinkProcesses(processes: number): Promise<{ port: number; close(): void }> {
  const [port] = await freePorts(1);
  const child = fork(join(resolve(import.meta.dirname), 'sink-process.ts'), [String(port), String(processes)], { stdio: 'inherit' });
  await new Promise((r) => child.once('message', r));
  return { port, close: () => child.kill() };
}

/** The backend otlphttp sends to: lives in the benchmark's process, answers at once. */
export async function startSink(): Promise<{ port: number; server: Server }> {
  const [port] = await freePorts(1);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, server };
}

export interface ChainSluiceOptions {
  chain: readonly string[];
  port: number;
  sinkPort: number;
  /** service.workers; 1 when CPU and RSS are read from the one process. */
  workers?: number;
  /** memory_limiter's limit_mib, when the chain has one. */
  limitMib?: number;
  /** adaptive_sampling's max_buffer_bytes (default 128MiB), when the chain has it. */
  samplerBuffer?: string;
  /** Appends Sluice's stdout and stderr here. */
  log?: string;
  /** Serves self-metrics on this port (none when absent). */
  metricsPort?: number;
  /** Runs Sluice on these CPUs (taskset -c), so a --cpu-prof of it holds its own time only. */
  pinCpus?: string;
}

/** Starts Sluice through the launcher on OTLP/HTTP → chain → otlphttp; resolves once healthy. */
export async function startChainSluice(o: ChainSluiceOptions): Promise<ChildProcess> {
  const [health] = await freePorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-chain-'));
  const settings = (p: string) => {
    if (p === 'memory_limiter' && o.limitMib !== undefined) return `memory_limiter: { check_interval: 1s, limit_mib: ${o.limitMib} }`;
    if (p === 'adaptive_sampling' && o.samplerBuffer !== undefined) return PROCESSORS[p].replace(/ }$/, `, max_buffer_bytes: ${o.samplerBuffer} }`);
    return PROCESSORS[p];
  };
  writeFileSync(join(dir, 'bench.yaml'), `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${o.port} } } }
processors:
${o.chain.map((p) => `  ${settings(p)}`).join('\n')}
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${o.sinkPort}, compression: none }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  workers: ${o.workers ?? 1}
  extensions: [health_check]
  telemetry: { metrics: { address: '${o.metricsPort === undefined ? '' : `127.0.0.1:${o.metricsPort}`}' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [${o.chain.join(', ')}], exporters: [otlphttp] }
`);
  let stdio: 'ignore' | 'inherit' | number = 'ignore';
  if (o.log !== undefined) {
    appendFileSync(o.log, `=== ${o.chain.join(', ')} (workers: ${o.workers ?? 1})\n`);
    stdio = (await import('node:fs')).openSync(o.log, 'a');
  }
  const command = [process.execPath, LAUNCHER, '--config', join(dir, 'bench.yaml')];
  if (o.pinCpus !== undefined) command.unshift('taskset', '-c', o.pinCpus);
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', stdio, stdio], env: { ...process.env, SLUICE_REDACTION_KEY: 'chain-bench-key-0123456789abcdef' } });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).status === 200) return child;
    } catch {}
    if (child.exitCode !== null) throw new Error(`sluice exited ${child.exitCode} on ${o.chain.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
