import type { Server } from 'node:http';

/** `host:port`, `:port` or `[v6]:port` → parts; host defaults to localhost, as the Collector's defaults bind. */
export function splitHostPort(endpoint: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(endpoint.trim());
  if (match === null) throw new Error(`invalid endpoint "${endpoint}" (write host:port)`);
  return { host: match[1] ?? (match[2] === '' ? '127.0.0.1' : match[2]), port: Number(match[3]) };
}

export function listen(server: Server, port: number, host: string): Promise<void> {
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
