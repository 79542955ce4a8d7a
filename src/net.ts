import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';

/**
 * node:http as its CommonJS object. Sluice never writes `import … from 'node:http'`: an ES module
 * import builds a namespace that reads every export once, and node:http's lazy `WebSocket`,
 * `CloseEvent` and `MessageEvent` getters then load undici, ~12 MiB of RSS that Sluice never uses.
 */
export const http = process.getBuiltinModule('node:http');

/** node:https, which brings node:tls (~6 MiB): loaded only by a component that is configured for TLS. */
export function https(): typeof import('node:https') {
  return process.getBuiltinModule('node:https');
}

/** `host:port`, `:port` or `[v6]:port` → parts; host defaults to localhost, as the Collector's defaults bind. */
export function splitHostPort(endpoint: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(endpoint.trim());
  if (match === null) throw new Error(`invalid endpoint "${endpoint}" (write host:port)`);
  return { host: match[1] ?? (match[2] === '' ? '127.0.0.1' : match[2]), port: Number(match[3]) };
}

export function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
