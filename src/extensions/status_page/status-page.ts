import type { Server } from 'node:http';
import type { Extension, HealthEvent, Host } from '../../core/component.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import { closeServer, http, listen, splitHostPort } from '../../net.ts';
import type { StatusPageConfig } from './config.ts';
import { statusPageHtml } from './page.ts';

export interface RecentError {
  at: number;
  component: string;
  state: string;
  message: string;
}

/**
 * A live page of the running pipelines, in zpages' place: `/` is one self-contained HTML page
 * (inline script and style, no external assets) that polls `/api/status`, a JSON view of the
 * self-metrics, the pipeline graph and the last health problems, and computes rates itself.
 * It costs nothing until someone opens it: the figures are read from the registry on request.
 */
export class StatusPage implements Extension {
  readonly #config: StatusPageConfig;
  readonly #telemetry: Telemetry;
  readonly #errors: RecentError[] = [];
  readonly #html: string;
  #server: Server | undefined;

  constructor(config: StatusPageConfig, telemetry: Telemetry, host: Host) {
    this.#config = config;
    this.#telemetry = telemetry;
    this.#html = statusPageHtml(config.refresh_interval);
    host.onHealth((event) => this.#record(event));
  }

  #record(event: HealthEvent): void {
    if (event.state !== 'failed' && event.state !== 'degraded') return;
    this.#errors.push({ at: event.at, component: event.componentId, state: event.state, message: event.message ?? '' });
    if (this.#errors.length > this.#config.max_errors) this.#errors.shift();
  }

  /** What the page polls. */
  snapshot(now = Date.now()): Record<string, unknown> {
    const status = this.#telemetry.renderStatus();
    return { now, pipelines: status.pipelines ?? [], metrics: this.#telemetry.snapshot(), errors: [...this.#errors].reverse() };
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
        res.end(this.#html);
        return;
      }
      if (path === '/api/status') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(this.snapshot()));
        return;
      }
      res.writeHead(404).end();
    });
    const { host, port } = splitHostPort(this.#config.endpoint);
    await listen(server, port, host);
    this.#server = server;
  }

  async shutdown(): Promise<void> {
    if (this.#server !== undefined) await closeServer(this.#server);
    this.#server = undefined;
  }
}
