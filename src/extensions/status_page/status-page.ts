import type { Server } from 'node:http';
import { StatusView } from '../../common/status-view.ts';
import type { Extension, Host } from '../../core/component.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import { closeServer, http, listen, splitHostPort } from '../../net.ts';
import type { StatusPageConfig } from './config.ts';

export type { RecentError } from '../../common/status-view.ts';

/** The live status page (common/status-view.ts) on a port of its own, at `/`. */
export class StatusPage implements Extension {
  readonly #config: StatusPageConfig;
  readonly #view: StatusView;
  #server: Server | undefined;

  constructor(config: StatusPageConfig, telemetry: Telemetry, host: Host) {
    this.#config = config;
    this.#view = new StatusView(telemetry, host, config.refresh_interval, config.max_errors);
  }

  snapshot(now = Date.now()): Record<string, unknown> {
    return this.#view.snapshot(now);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (!this.#view.serve('/', path, req, res)) res.writeHead(404).end();
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
