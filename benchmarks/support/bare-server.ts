// The transport ceiling: a server that reads each OTLP request body and answers 200, doing
// nothing else. Run as a child process so its CPU is measured apart from the load generator.
import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';

const [transport, port] = [process.argv[2], Number(process.argv[3])];
if (transport === 'http') {
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
