import type { Server, ServerResponse } from 'node:http';
import { StatusView } from '../../common/status-view.ts';
import type { HealthEvent, Host } from '../../core/component.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import { closeServer, http, listen, splitHostPort } from '../../net.ts';

// What a Collector user opens zpages for, at the Collector's paths: /debug/servicez (the build,
// uptime and recent errors), /debug/pipelinez (each pipeline's receivers, processors and
// exporters), /debug/extensionz and /debug/featurez. Sluice records no spans of its own, so
// /debug/tracez and /debug/rpcz say so. Every page is also JSON with `?format=json`. The live
// status page (the status_page extension's) is served here too, under /debug/statusz/.

const RECENT_ERRORS = 50;
const STATUS_BASE = '/debug/statusz/';
/** How often the status page refreshes itself when served by zpages (status_page's own default). */
const STATUS_REFRESH_MS = 2_000;

interface RecentError {
  at: string;
  component: string;
  state: string;
  message: string;
}

export class Zpages {
  readonly #endpoint: string;
  readonly #host: Host;
  readonly #errors: RecentError[] = [];
  readonly #state = new Map<string, string>();
  readonly #statusView: StatusView;
  #server: Server | undefined;

  constructor(endpoint: string, host: Host, telemetry: Telemetry) {
    this.#endpoint = endpoint;
    this.#host = host;
    this.#statusView = new StatusView(telemetry, host, STATUS_REFRESH_MS, RECENT_ERRORS);
    host.onHealth((event) => this.#record(event));
  }

  #record(event: HealthEvent): void {
    this.#state.set(event.componentId, event.state);
    if (event.state !== 'failed' && event.state !== 'degraded') return;
    this.#errors.push({ at: new Date(event.at).toISOString(), component: event.componentId, state: event.state, message: event.message ?? '' });
    if (this.#errors.length > RECENT_ERRORS) this.#errors.shift();
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://zpages');
      if (url.pathname === STATUS_BASE.slice(0, -1)) {
        // The page fetches `api/status` relative to itself, so it lives under a trailing slash.
        res.writeHead(301, { location: STATUS_BASE }).end();
        return;
      }
      if (this.#statusView.serve(STATUS_BASE, url.pathname, req, res)) return;
      const json = url.searchParams.get('format') === 'json';
      const page = this.#page(url.pathname);
      if (page === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; see /debug/servicez\n');
        return;
      }
      send(res, json, page.title, page.data);
    });
    const { host, port } = splitHostPort(this.#endpoint);
    await listen(server, port, host);
    this.#server = server;
  }

  #page(path: string): { title: string; data: Record<string, unknown> } | undefined {
    const service = this.#host.describeService?.();
    switch (path) {
      case '/':
      case '/debug/servicez':
        return {
          title: 'Service',
          data: {
            version: service?.version ?? '',
            started: service === undefined ? '' : new Date(service.startedAt).toISOString(),
            uptime_seconds: service === undefined ? 0 : Math.round((Date.now() - service.startedAt) / 1000),
            pages: ['/debug/pipelinez', '/debug/extensionz', '/debug/featurez', '/debug/tracez', '/debug/rpcz', STATUS_BASE],
            recent_errors: [...this.#errors].reverse(),
          },
        };
      case '/debug/pipelinez':
        return {
          title: 'Pipelines',
          data: {
            pipelines: (service?.pipelines ?? []).map((p) => ({
              id: p.id,
              receivers: p.receivers.map((id) => this.#component(id)),
              processors: p.processors.map((id) => ({ id })),
              exporters: p.exporters.map((id) => this.#component(id)),
            })),
          },
        };
      case '/debug/extensionz':
        return { title: 'Extensions', data: { extensions: (service?.extensions ?? []).map((id) => ({ id })) } };
      case '/debug/featurez':
        return { title: 'Feature gates', data: { gates: [], note: 'Sluice has no feature gates' } };
      case '/debug/tracez':
      case '/debug/rpcz':
        return { title: path === '/debug/tracez' ? 'Traces' : 'RPCs', data: { note: 'Sluice records no spans of its own; see /metrics for RPC counts' } };
      default:
        return undefined;
    }
  }

  #component(id: string): { id: string; state: string } {
    return { id, state: this.#state.get(id) ?? 'starting' };
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await closeServer(server);
  }
}

function send(res: ServerResponse, json: boolean, title: string, data: Record<string, unknown>): void {
  if (json) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    return;
  }
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>Sluice zPages: ${title}</title></head><body><h1>${title}</h1>${html(data)}</body></html>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

/** Data as nested lists and tables; every value is escaped. */
function html(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '<p>(none)</p>';
    return `<ul>${value.map((item) => `<li>${html(item)}</li>`).join('')}</ul>`;
  }
  if (value !== null && typeof value === 'object') {
    return `<table>${Object.entries(value).map(([k, v]) => `<tr><th align="left" valign="top">${escape(k)}</th><td>${html(v)}</td></tr>`).join('')}</table>`;
  }
  return escape(String(value));
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
