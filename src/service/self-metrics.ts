import type { Server } from 'node:http';
import type { Telemetry } from '../core/telemetry.ts';
import { http, listen, splitHostPort } from '../net.ts';

/** Registers the Collector's process metrics, read at scrape time. */
export function registerProcessMetrics(telemetry: Telemetry, startedAt: number): void {
  telemetry.observe('otelcol_process_uptime_seconds_total', 'Uptime of the process.', [], () => [{ labels: {}, value: (Date.now() - startedAt) / 1000 }], 'counter');
  telemetry.observe('otelcol_process_memory_rss_bytes', 'Total physical memory (resident set size).', [], () => [{ labels: {}, value: process.memoryUsage.rss() }]);
  telemetry.observe('otelcol_process_cpu_seconds_total', 'Total CPU user and system time in seconds.', [], () => {
    const usage = process.cpuUsage();
    return [{ labels: {}, value: (usage.user + usage.system) / 1e6 }];
  }, 'counter');
  telemetry.observe('otelcol_process_runtime_heap_alloc_bytes', 'Bytes of allocated heap objects.', [], () => [{ labels: {}, value: process.memoryUsage().heapUsed }]);
}

/** Serves /metrics in the Prometheus text format (`render`: a pool's merged page), and /status with components' JSON status. */
export async function startMetricsServer(telemetry: Telemetry, address: string, render?: () => Promise<string>): Promise<Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) {
      const page = render === undefined ? Promise.resolve(telemetry.render()) : render();
      page.then(
        (body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(telemetry.renderStatus()));
      return;
    }
    res.writeHead(404).end();
  });
  const { host, port } = splitHostPort(address);
  await listen(server, port, host);
  return server;
}
