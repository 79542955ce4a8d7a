import type { Server } from 'node:http';
import type { HealthEvent, HealthState, Host } from '../../core/component.ts';
import { closeServer, http, listen, splitHostPort } from '../../net.ts';
import type { HealthCheckConfig } from './config.ts';


interface ComponentHealth {
  state: HealthState;
  consecutiveFailures: number;
  lastMessage: string | undefined;
  lastFailureAt: number;
}

/** Answers 200 only while the service runs and no component is failing past its threshold; the body names the culprits. */
export class HealthCheck {
  readonly #config: HealthCheckConfig;
  readonly #host: Host;
  readonly #components = new Map<string, ComponentHealth>();
  #server: Server | undefined;
  #running = false;

  constructor(config: HealthCheckConfig, host: Host) {
    this.#config = config;
    this.#host = host;
    host.onHealth((event) => this.#record(event));
    host.workers?.serve(this.#topic, () => this.status());
  }

  get #topic(): string {
    return `health_check ${this.#config.endpoint}`;
  }

  /** With several workers: healthy only when every worker is; the body names each worker's culprits, and any worker that did not answer. */
  async poolStatus(): Promise<{ healthy: boolean; body: Record<string, unknown> }> {
    const own = this.status();
    const workers = this.#host.workers;
    if (workers === undefined || workers.count === 1) return own;
    const unhealthy: Record<string, string> = {};
    const prefix = (worker: number, culprits: unknown) => {
      for (const [id, why] of Object.entries((culprits ?? {}) as Record<string, string>)) unhealthy[`worker ${worker}: ${id}`] = why;
    };
    prefix(workers.index, own.body.unhealthy);
    let status = own.healthy ? undefined : String(own.body.status);
    for (const { worker, answer } of await workers.ask(this.#topic)) {
      const peer = answer as { healthy: boolean; body: Record<string, unknown> } | undefined;
      if (peer === undefined) {
        unhealthy[`worker ${worker}`] = 'not answering';
        status ??= 'Server unhealthy';
        continue;
      }
      if (peer.healthy) continue;
      prefix(worker, peer.body.unhealthy);
      status ??= String(peer.body.status);
    }
    const healthy = status === undefined;
    return { healthy, body: { status: healthy ? own.body.status : status, unhealthy } };
  }

  #record(event: HealthEvent): void {
    let health = this.#components.get(event.componentId);
    if (health === undefined) {
      health = { state: 'ok', consecutiveFailures: 0, lastMessage: undefined, lastFailureAt: 0 };
      this.#components.set(event.componentId, health);
    }
    if (event.state === 'failed') {
      health.consecutiveFailures++;
      health.lastMessage = event.message;
      health.lastFailureAt = event.at;
    } else {
      health.consecutiveFailures = 0;
      health.lastMessage = event.message;
    }
    health.state = event.state;
    this.#running = true;
  }

  status(now = Date.now()): { healthy: boolean; body: Record<string, unknown> } {
    const unhealthy: Record<string, string> = {};
    let refusing: string | undefined;
    for (const [id, health] of this.#components) {
      const failing = health.consecutiveFailures >= this.#config.exporter_failure_threshold && now - health.lastFailureAt < this.#config.failure_recovery_interval;
      if (failing) unhealthy[id] = `${health.consecutiveFailures} consecutive failures: ${health.lastMessage ?? 'unknown error'}`;
      else if (health.state === 'stopped') unhealthy[id] = 'stopped';
      // Degraded is reported by a component that refuses on purpose (the memory limiter) or checks a
      // condition over time (a pipeline's heartbeat overdue): not ready at once, so traffic goes elsewhere.
      else if (health.state === 'degraded') {
        unhealthy[id] = health.lastMessage ?? 'degraded';
        refusing ??= unhealthy[id];
      }
    }
    const healthy = this.#running && Object.keys(unhealthy).length === 0;
    return {
      healthy,
      body: {
        status: healthy ? 'Server available' : !this.#running ? 'Server not ready' : (refusing ?? 'Server unhealthy'),
        unhealthy,
      },
    };
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === this.#config.liveness_path) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'alive' }));
        return;
      }
      if (path !== this.#config.path) {
        res.writeHead(404).end();
        return;
      }
      this.poolStatus().then(
        ({ healthy, body }) => res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        () => res.writeHead(500).end(),
      );
    });
    const { host, port } = splitHostPort(this.#config.endpoint);
    await listen(server, port, host);
    this.#server = server;
  }

  async shutdown(): Promise<void> {
    this.#running = false;
    if (this.#server !== undefined) await closeServer(this.#server);
    this.#server = undefined;
  }
}
