// One load generator in a process of its own, for benchmarks that need more load than one event
// loop can send: `node load-process.ts PORT SECONDS PAYLOAD CONCURRENCY SEED`; waits for 'go',
// then saturates and sends back the spans accepted.
import { Agent, request } from 'node:http';
import { saturate } from './load.ts';
import { bodies, SPANS_PER_REQUEST } from './trace-bodies.ts';

const [port, seconds, payload, concurrency, seed] = process.argv.slice(2);
const nextBody = bodies(payload === 'pii', Number(seed));
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const send = () =>
  new Promise<void>((resolve, reject) => {
    const body = nextBody();
    const req = request({ host: '127.0.0.1', port: Number(port), path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length, 'x-scope-orgid': 'acme' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
process.on('message', async (message) => {
  if (message === 'warm') {
    await saturate(send, 1, SPANS_PER_REQUEST, Number(concurrency));
    process.send!('warm');
    return;
  }
  const spans = await saturate(send, Number(seconds), SPANS_PER_REQUEST, Number(concurrency));
  process.send!(spans, () => process.exit(0));
});
process.send!('ready');
