import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthEvent, Host } from '../core/component.ts';
import type { Telemetry } from '../core/telemetry.ts';
import { statusPageHtml } from './status-page-html.ts';

// The live status page, shared by the status_page extension (on its own port, at `/`) and zpages
// (at the Collector's port, under `/debug/statusz/`): one self-contained HTML page (inline script
// and style, no external assets) that polls `api/status` beside it, a JSON view of the
// self-metrics, the pipeline graph and the last health problems. It costs nothing until someone
// opens it: the figures are read from the registry on request.

export interface RecentError {
  at: number;
  component: string;
  state: string;
  message: string;
}

export class StatusView {
  readonly #telemetry: Telemetry;
  readonly #maxErrors: number;
  readonly #errors: RecentError[] = [];
  readonly #html: string;

  constructor(telemetry: Telemetry, host: Host, refreshIntervalMs: number, maxErrors: number) {
    this.#telemetry = telemetry;
    this.#maxErrors = maxErrors;
    this.#html = statusPageHtml(refreshIntervalMs);
    host.onHealth((event) => this.#record(event));
  }

  #record(event: HealthEvent): void {
    if (event.state !== 'failed' && event.state !== 'degraded') return;
    this.#errors.push({ at: event.at, component: event.componentId, state: event.state, message: event.message ?? '' });
    if (this.#errors.length > this.#maxErrors) this.#errors.shift();
  }

  /** What the page polls. */
  snapshot(now = Date.now()): Record<string, unknown> {
    const status = this.#telemetry.renderStatus();
    return { now, pipelines: status.pipelines ?? [], metrics: this.#telemetry.snapshot(), errors: [...this.#errors].reverse() };
  }

  /** Answers the page at `base` (ending in `/`) and its data at `base` + `api/status`; false for any other path. */
  serve(base: string, path: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (path !== base && path !== `${base}api/status`) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    if (path === base) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
      res.end(this.#html);
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(this.snapshot()));
    return true;
  }
}
