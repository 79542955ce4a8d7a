// What the overload and abuse e2e tests share: peak RSS from the kernel, a backend that answers
// slowly, and Sluice started as deployed (through the launcher) between a receiver and that backend.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { scanRequest } from '../../src/otlp/protobuf.ts';
import { freePorts, LAUNCHER, startSluice, type RunningSluice } from './harness.ts';

export const MIB = 1024 * 1024;

/** Resident memory of a process from /proc: VmHWM is the peak over its life, VmRSS the current. */
export function rssBytes(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) * 1024;
}

export interface SlowBackend {
  server: Server;
  /** Spans received so far, counted by Sluice's own scanner. */
  spans(): number;
}

/** An OTLP/HTTP backend that answers every export `delayMs` after its body is in. */
export async function slowBackend(port: number, delayMs: number): Promise<SlowBackend> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      spans += scanRequest('traces', Buffer.concat(chunks));
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, spans: () => spans };
}

export interface Rig {
  sluice: RunningSluice;
  backend: SlowBackend;
  ports: { http: number; health: number; metrics: number };
  /** Killed: a graceful stop would drain the queues into the slow backend, which no test here needs. */
  stop(): Promise<void>;
}

/**
 * Sluice with an OTLP/HTTP receiver, `processors` (YAML entries, in pipeline order by `pipeline`),
 * and one otlphttp exporter (`exporter`: extra YAML under it) to a backend answering in `backendDelayMs`.
 */
export async function startRig(options: { backendDelayMs: number; processors: Record<string, string>; exporter?: string; extensions?: Record<string, string> }): Promise<Rig> {
  const [http, health, metrics, backendPort] = await freePorts(4);
  const backend = await slowBackend(backendPort, options.backendDelayMs);
  const extensions = { health_check: `{ endpoint: 127.0.0.1:${health} }`, ...options.extensions };
  const yaml = (entries: Record<string, string>) => Object.entries(entries).map(([id, config]) => `  ${id}: ${config}`).join('\n');
  const sluice = await startSluice(
    `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${http} } } }
processors:
${yaml(options.processors)}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${backendPort}
    compression: none
${options.exporter ?? ''}
extensions:
${yaml(extensions)}
service:
  extensions: [${Object.keys(extensions).join(', ')}]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: error } }
  pipelines:
    traces: { receivers: [otlp], processors: [${Object.keys(options.processors).join(', ')}], exporters: [otlphttp] }
`,
    { healthPort: health, entry: LAUNCHER },
  );
  return {
    sluice,
    backend,
    ports: { http, health, metrics },
    async stop() {
      await sluice.stop('SIGKILL');
      backend.server.close();
    },
  };
}

/** A rig started before the enclosing describe's tests and killed after them; read it inside tests. */
export function useRig(options: Parameters<typeof startRig>[0], startTimeoutMs = 30_000): () => Rig {
  let rig: Rig | undefined;
  beforeAll(async () => {
    rig = await startRig(options);
  }, startTimeoutMs);
  afterAll(() => rig?.stop());
  return () => rig!;
}
