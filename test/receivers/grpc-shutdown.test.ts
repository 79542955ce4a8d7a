// The gRPC receiver's shutdown: a call already accepted into the pipeline is answered before
// shutdown resolves (the processors flush only after it), and a call that starts once shutdown has
// begun is refused as retryable, so no span is acknowledged into a pipeline that is flushing.
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import type { Batch } from '../../src/core/batch.ts';
import type { Consumer, Receiver } from '../../src/core/component.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { GRPC_SERVICE_PATHS } from '../../src/otlp/grpc-paths.ts';
import { otlpReceiverFactory } from '../../src/receivers/otlp/index.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { freePorts } from '../e2e/harness.ts';
import { sdkSpans } from '../otlp/sdk-fixtures.ts';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

function exportCall(client: grpc.Client, body: Uint8Array): Promise<grpc.status> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(GRPC_SERVICE_PATHS.traces, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), (error) => resolve(error === null ? grpc.status.OK : error.code!));
  });
}

describe('gRPC receiver shutdown', () => {
  test('waits for an accepted call to be answered, and refuses calls that start after it began', async () => {
    const [port] = await freePorts(1);
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const consumer: Consumer = {
      async consume(_batch: Batch) {
        calls++;
        order.push('consumed');
        if (calls === 1) await held;
      },
    };
    const factory = otlpReceiverFactory;
    const config = factory.configSchema.parse({ protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } });
    const receiver = (await factory.create({
      id: 'otlp', config, telemetry: new Telemetry(), logger: pino({ level: 'silent' }), host: new ServiceHost(),
      consumers: { traces: consumer }, pipelines: [],
    })) as Receiver;
    await receiver.start?.();
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const body = ProtobufTraceSerializer.serializeRequest(await sdkSpans(3))!;

    const first = exportCall(client, body);
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    const stopped = Promise.resolve(receiver.shutdown!()).then(() => order.push('shutdown resolved'));
    await new Promise((r) => setTimeout(r, 20));
    const late = await exportCall(client, body);
    expect(late).toBe(grpc.status.UNAVAILABLE);
    release();
    expect(await first).toBe(grpc.status.OK);
    await stopped;
    expect(order).toEqual(['consumed', 'shutdown resolved']);
    client.close();
  });
});
