// The backend otlphttp sends to, in processes of its own: `node sink-process.ts PORT PROCESSES`.
// At millions of spans a second one process reading every export is the bottleneck, and a slow
// sink fills Sluice's queues; several processes share the port (node:cluster). Says 'ready'.
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const [port, processes] = process.argv.slice(2).map(Number);
if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < processes; i++) {
    cluster.fork().on('listening', () => {
      if (++ready === processes) process.send?.('ready');
    });
  }
  process.on('disconnect', () => process.exit(0));
} else {
  createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  }).listen(port, '127.0.0.1');
}
