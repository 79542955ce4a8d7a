// The transport ceiling: a server that reads each OTLP request body and answers 200, doing
// nothing else. Run as a child process so its CPU is measured apart from the load generator.
// `http` is the HTTP/1.1 path Sluice's receiver uses; `node-http` is node:http, for reference.
import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { Http1Server } from '../../src/receivers/otlp/http1.ts';

const [transport, port] = [process.argv[2], Number(process.argv[3])];
if (transport === 'http') {
  const EMPTY = new Uint8Array(0);
  const server = new Http1Server(
    (exchange) => void exchange.readBody(Infinity).then(() => exchange.respond(200, { 'content-type': 'application/x-protobuf' }, EMPTY)),
    createServer(),
    { keepAliveTimeoutMs: 65_000, onRefusal: () => {} },
  );
  server.server.listen(port, '127.0.0.1', () => process.send?.('ready'));
} else if (transport === 'node-http') {
  createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  }).listen(port, '127.0.0.1', () => process.send?.('ready'));
} else {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const identity = (b: Buffer) => b;
  server.addService(
    { Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)) },
  );
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), () => process.send?.('ready'));
}
