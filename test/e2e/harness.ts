import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { decodeJson } from '../../src/otlp/json.ts';
import { decodeRequest } from '../../src/otlp/protobuf.ts';
import type { RequestBySignal, Signal } from '../../src/otlp/types.ts';
import { GRPC_SERVICE_PATHS } from '../../src/otlp/grpc-paths.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The built CLI, as npm start and bin/sluice.js run it; test/support/build-dist.ts rebuilds it before the suite. */
export const CLI = join(ROOT, 'dist/cli.js');
/** The launcher npm start and the image run: it adds Sluice's Node flags, then runs CLI. */
export const LAUNCHER = join(ROOT, 'bin/sluice.js');

export function tempDir(prefix = 'sluice-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Ports the kernel just handed out; good enough for loopback tests that bind right after. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import('node:net').Server>((resolvePort) => {
      const server = createNetServer();
      server.listen(0, '127.0.0.1', () => resolvePort(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface RunningSluice {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the real CLI on a config text; resolves once its health endpoint answers 200. */
export async function startSluice(
  configYaml: string,
  options: { healthPort: number; env?: NodeJS.ProcessEnv; args?: string[]; entry?: string },
): Promise<RunningSluice> {
  const dir = tempDir();
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml);
  // Sluice runs one worker per core by default (service.workers: auto). These tests read one
  // process (its RSS, its pid for kill -9) unless they ask for workers themselves.
  const args = options.args ?? [];
  const pinned = /^\s*workers:/m.test(configYaml) || args.some((a) => a.startsWith('service.workers') || a.startsWith('service::workers')) ? [] : ['--set', 'service.workers=1'];
  const child = spawn(process.execPath, [options.entry ?? CLI, '--config', configPath, ...pinned, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sluice exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${options.healthPort}/`);
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sluice did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    process: child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion (validate, components). */
export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolveRun({ code, stdout, stderr }));
  });
}

export interface ReceivedRequest<S extends Signal = Signal> {
  signal: S;
  request: RequestBySignal[S];
  headers: Record<string, string | string[] | undefined>;
}

/** An OTLP backend stand-in for the exporters: records every request it is sent, over HTTP and gRPC. */
export class OtlpSink {
  readonly received: ReceivedRequest[] = [];
  #http: Server | undefined;
  #grpc: grpc.Server | undefined;
  /** When set, answers every request with this HTTP status (or gRPC code for the gRPC side). */
  failWith: { http: number; grpc: grpc.status } | undefined;

  async startHttp(port: number): Promise<void> {
    this.#http = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failWith) {
          res.writeHead(this.failWith.http).end();
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const signal = (req.url ?? '').split('/').pop() as Signal;
        const json = req.headers['content-type'] === 'application/json';
        const request = json ? decodeJson(signal, body.toString('utf8')) : decodeRequest(signal, body);
        this.received.push({ signal, request, headers: req.headers });
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
      });
    });
    await new Promise<void>((r) => this.#http!.listen(port, '127.0.0.1', r));
  }

  async startGrpc(port: number, address = '127.0.0.1'): Promise<void> {
    const server = new grpc.Server();
    const identity = (b: Buffer) => b;
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      server.addService(
        { Export: { path: GRPC_SERVICE_PATHS[signal], requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
        {
          Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
            if (this.failWith) {
              callback({ code: this.failWith.grpc, details: 'sink failing on purpose' });
              return;
            }
            this.received.push({ signal, request: decodeRequest(signal, call.request), headers: call.metadata.getMap() as Record<string, string> });
            callback(null, Buffer.alloc(0));
          },
        },
      );
    }
    await new Promise<void>((r, j) => server.bindAsync(`${address}:${port}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
    this.#grpc = server;
  }

  of<S extends Signal>(signal: S): RequestBySignal[S][] {
    return this.received.filter((r) => r.signal === signal).map((r) => r.request as RequestBySignal[S]);
  }

  async stop(): Promise<void> {
    if (this.#http) await new Promise((r) => { this.#http!.closeAllConnections(); this.#http!.close(r); });
    if (this.#grpc) this.#grpc.forceShutdown();
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function scrapeMetrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
}

/** The value of one sample in a Prometheus text page, or undefined. */
export function metricValue(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const text = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => text.includes(`${k}="${v}"`))) return Number(match[3]);
  }
  return undefined;
}

/** The `receivers:` block of an e2e config (no newline after): OTLP on both loopback ports, `options` added to each protocol. */
export function otlpReceiverYaml(grpc: number, http: number, options = ''): string {
  const extra = options === '' ? '' : `, ${options}`;
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpc}${extra} }
      http: { endpoint: 127.0.0.1:${http}${extra} }`;
}

export interface ServiceYamlOptions {
  health: number;
  metrics: number;
  /** Added to health_check's own settings. */
  healthOptions?: string;
  /** Further extensions, by name: their settings. */
  extensions?: Record<string, string>;
  logLevel?: string;
}

/** `extensions:` (health_check first) and `service:` with self-telemetry, up to `  pipelines:` (no newline after). */
export function serviceYaml(o: ServiceYamlOptions): string {
  const extra = o.extensions ?? {};
  const lines = Object.entries(extra).map(([name, settings]) => `  ${name}: ${settings}\n`).join('');
  return `extensions:
  health_check: { endpoint: 127.0.0.1:${o.health}${o.healthOptions === undefined ? '' : `, ${o.healthOptions}`} }
${lines}service:
  extensions: [${['health_check', ...Object.keys(extra)].join(', ')}]
  telemetry: { metrics: { address: 127.0.0.1:${o.metrics} }, logs: { level: ${o.logLevel ?? 'error'} } }
  pipelines:`;
}
