import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import pino from 'pino';
import { describe, expect, test, vi } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import type { Host } from '../../src/core/component.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { exporterConfigSchema } from '../../src/config/exporter-settings.ts';
import { fileExporterFactory, type FileExporterConfig } from '../../src/exporters/file/index.ts';
import { debugExporterFactory, type DebugExporterConfig } from '../../src/exporters/debug/index.ts';
import { MemoryQueue } from '../../src/exporters/helper/memory-queue.ts';
import { QueueConsumers } from '../../src/exporters/helper/sending-queue.ts';
import { systemClock } from '../../src/core/clock.ts';
import { decodeTraces } from '../../src/otlp/protobuf.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import { attrs, span, tracesRequest } from '../support/otlp.ts';
import { tempDir } from '../e2e/harness.ts';

const host = {} as Host;
const logger = pino({ level: 'silent' });

function batchOf(spans: number): Batch {
  return Batch.fromRequest('traces', tracesRequest(Array.from({ length: spans }, (_, i) => span(attrs({ i })))), internalMetadata());
}

async function fileExporter(config: Record<string, unknown>) {
  const parsed = exporterConfigSchema(fileExporterFactory).parse(config) as FileExporterConfig;
  const exporter = await fileExporterFactory.create({ id: 'file', config: parsed, telemetry: new Telemetry(), logger, host, signal: 'traces' });
  await exporter.start?.();
  return exporter;
}

/** Length-prefixed records (uint32 big-endian), as the Collector writes proto and compressed output. */
function records(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    out.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

describe('file exporter: the Collector\'s format, compression and rotation', () => {
  test('format: proto writes length-prefixed OTLP protobuf; compression: zstd compresses each record', async () => {
    const dir = tempDir();
    const proto = await fileExporter({ path: join(dir, 'a.bin'), format: 'proto' });
    await proto.push(batchOf(2), new AbortController().signal);
    await proto.push(batchOf(3), new AbortController().signal);
    await proto.shutdown?.();
    expect(records(readFileSync(join(dir, 'a.bin'))).map((r) => decodeTraces(r).resourceSpans[0].scopeSpans[0].spans.length)).toEqual([2, 3]);

    const zstd = await fileExporter({ path: join(dir, 'b.zst'), compression: 'zstd' });
    await zstd.push(batchOf(4), new AbortController().signal);
    await zstd.shutdown?.();
    const [one] = records(readFileSync(join(dir, 'b.zst')));
    expect(decodeJson('traces', zstdDecompressSync(one).toString('utf8')).resourceSpans[0].scopeSpans[0].spans).toHaveLength(4);
  });

  test('rotation rolls the file at max_megabytes and keeps max_backups', async () => {
    const dir = tempDir();
    const exporter = await fileExporter({ path: join(dir, 'out.jsonl'), rotation: { max_megabytes: 1, max_backups: 2 } });
    for (let i = 0; i < 12; i++) await exporter.push(batchOf(1500), new AbortController().signal);
    await exporter.shutdown?.();
    const files = readdirSync(dir).sort();
    expect(files).toContain('out.jsonl');
    expect(files.filter((f) => f.startsWith('out-')).length).toBe(2);
  });

  test('group_by and encoding extensions are refused with a reason', () => {
    const schema = exporterConfigSchema(fileExporterFactory);
    expect(JSON.stringify(schema.safeParse({ path: 'x', group_by: { enabled: true } }).error?.issues)).toContain('group_by');
    expect(JSON.stringify(schema.safeParse({ path: 'x', encoding: 'otlp_json' }).error?.issues)).toContain('encoding extensions are not supported');
  });
});

describe('debug exporter sampling and the logging alias', () => {
  test('sampling_initial batches a second are logged, then every sampling_thereafter-th', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const config = exporterConfigSchema(debugExporterFactory).parse({ sampling_initial: 2, sampling_thereafter: 3 }) as DebugExporterConfig;
    const exporter = await debugExporterFactory.create({ id: 'debug', config, telemetry: new Telemetry(), logger: capture, host, signal: 'traces' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(1_000_000);
      // In one tick: the first 2, then the 5th and 8th of 9.
      for (let i = 0; i < 9; i++) await exporter.push(batchOf(1), new AbortController().signal);
      expect(lines).toHaveLength(4);
      // The next second starts afresh.
      vi.setSystemTime(1_001_000);
      await exporter.push(batchOf(1), new AbortController().signal);
      expect(lines).toHaveLength(5);
    } finally {
      vi.useRealTimers();
    }
  });

  test('the old loglevel maps to a verbosity', () => {
    expect(exporterConfigSchema(debugExporterFactory).parse({ loglevel: 'debug' })).toMatchObject({ loglevel: 'debug' });
  });
});

describe('sending_queue.sizer and block_on_overflow', () => {
  test('sizer items bounds the queue by telemetry items; block_on_overflow waits for room instead of refusing', async () => {
    const items = new MemoryQueue(10, undefined, { sizer: 'items' });
    expect(await items.offer(batchOf(6))).toBe('ok');
    expect(await items.offer(batchOf(6))).toBe('full');
    expect(items.size).toBe(6);
    expect(await items.offer(batchOf(11))).toBe('full');

    const blocking = new MemoryQueue(1, undefined, { blockOnOverflow: true });
    expect(await blocking.offer(batchOf(1))).toBe('ok');
    let second: string | undefined;
    const offered = blocking.offer(batchOf(1)).then((r) => (second = r));
    await new Promise((r) => setImmediate(r));
    expect(second).toBeUndefined();
    await blocking.poll();
    await offered;
    expect(second).toBe('ok');
  });
});

describe('sending_queue.batch', () => {
  test('a consumer sends the entries waiting behind it as one request, per tenant, towards min_size and never past max_size', async () => {
    const queue = new MemoryQueue(100);
    const tenant = (name: string) => Batch.fromRequest('traces', tracesRequest([span(attrs({ a: 1 })), span(attrs({ a: 2 }))]), internalMetadata(name));
    for (let i = 0; i < 5; i++) await queue.offer(tenant('acme'));
    await queue.offer(tenant('globex'));
    const sent: Array<{ items: number; tenant: string | undefined }> = [];
    const stop = new AbortController();
    const consumers = new QueueConsumers(queue, async (batch) => void sent.push({ items: batch.itemCount, tenant: batch.metadata.tenant }), stop.signal, logger, systemClock, { targetItems: 6, maxItems: 0, byRequests: false });
    consumers.start(1);
    await queue.close();
    expect(await consumers.finished(Infinity)).toBe(true);
    expect(sent).toEqual([{ items: 6, tenant: 'acme' }, { items: 4, tenant: 'acme' }, { items: 2, tenant: 'globex' }]);
    expect(queue.size).toBe(0);
  });

  test('max_size caps a merge; batch: alone takes the Collector\'s defaults; sizer bytes is refused', async () => {
    const queue = new MemoryQueue(100);
    for (let i = 0; i < 3; i++) await queue.offer(batchOf(4));
    const sent: number[] = [];
    const consumers = new QueueConsumers(queue, async (batch) => void sent.push(batch.itemCount), new AbortController().signal, logger, systemClock, { targetItems: 100, maxItems: 9, byRequests: false });
    consumers.start(1);
    await queue.close();
    await consumers.finished(Infinity);
    expect(sent).toEqual([8, 4]);
    const schema = exporterConfigSchema(fileExporterFactory);
    expect((schema.parse({ path: 'x', sending_queue: { batch: null } }) as { sending_queue: { batch: unknown } }).sending_queue.batch).toEqual({});
    expect(schema.safeParse({ path: 'x', sending_queue: { batch: { sizer: 'bytes' } } }).success).toBe(false);
  });
});
