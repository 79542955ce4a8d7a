// The sampler's write-ahead log, through the processor factory with a real file_storage
// extension on a temporary directory. A "crash" here closes the logs under a processor that is
// never shut down: nothing is flushed or decided, and its later acks are ignored, as after a
// kill -9 (the kill -9 of the real binary is in test/e2e/sampling-durability.test.ts).
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer, Processor } from '../../src/core/component.ts';
import { PipelineError } from '../../src/core/errors.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { FileStorage } from '../../src/extensions/file_storage/index.ts';
import { encodeTraces } from '../../src/otlp/protobuf.ts';
import { fileStorageConfigSchema } from '../../src/extensions/file_storage/index.ts';
import type { RecordLog } from '../../src/core/storage.ts';
import { adaptiveSamplingConfigSchema } from '../../src/processors/adaptive_sampling/index.ts';
import { adaptiveSamplingProcessorFactory } from '../../src/processors/adaptive_sampling/factory.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { decisionRecord, type DecisionRecord } from '../../src/processors/adaptive_sampling/key-rates.ts';
import { decodeDecisions, encodeDecisions } from '../../src/processors/adaptive_sampling/wal.ts';
import { composeThreshold, quantizeProbability } from '../../src/otlp/sampling-threshold.ts';
import { tempDir } from '../e2e/harness.ts';
import { buildTraces, hex, requestOf, type SpanItem } from './sdk-traces.ts';

/** file_storage whose logs the test can close under a live processor. */
class CrashableStorage extends FileStorage {
  readonly opened: RecordLog[] = [];
  override async openLog(owner: string, name: string, maxBytes: number): Promise<RecordLog> {
    const q = await super.openLog(owner, name, maxBytes);
    this.opened.push(q);
    return q;
  }
  async crash(): Promise<void> {
    for (const q of this.opened) await q.close();
  }
}

/** Collects delivered span ids; after `dead`, refuses everything, as a killed process would. */
class Sink implements Consumer {
  readonly spanIds = new Set<string>();
  dead = false;
  async consume(batch: Batch): Promise<void> {
    if (this.dead) throw new Error('dead');
    for (const rs of (batch as Batch<'traces'>).request.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) this.spanIds.add(hex(s.spanId));
  }
}

async function open(dir: string, config: Record<string, unknown>, next: Consumer): Promise<{ processor: Processor; storage: CrashableStorage }> {
  const host = new ServiceHost();
  const storage = new CrashableStorage(fileStorageConfigSchema.parse({ directory: dir, fsync: 'never' }), new Telemetry(), pino({ level: 'silent' }));
  host.addExtension('file_storage', storage);
  const processor = await adaptiveSamplingProcessorFactory.create({
    id: 'adaptive_sampling', config: adaptiveSamplingConfigSchema.parse({ storage: 'file_storage', ...config }), telemetry: new Telemetry(),
    logger: pino({ level: 'silent' }), host, pipelineId: 'traces', signal: 'traces', next, exporters: new Map(),
  });
  await processor.start?.();
  return { processor, storage };
}

function batchOf(items: readonly SpanItem[], tenant = 'acme'): Batch {
  return Batch.fromBytes('traces', encodeTraces(requestOf(items)), items.length, internalMetadata(tenant));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ids = (items: readonly SpanItem[]) => items.map((i) => hex(i.span.spanId));

describe('adaptive_sampling with storage: a write-ahead log under the buffer', () => {
  test('decision records round-trip: dropped, sampled, composed with upstream, policy with a long UTF-8 reason', () => {
    const key = (b: number) => String.fromCharCode(...Array.from({ length: 16 }, (_, i) => (b * 31 + i * 17) & 255));
    const decisions: Array<{ key: string; record: DecisionRecord | null }> = [
      { key: key(1), record: null },
      { key: key(2), record: decisionRecord('sampled', quantizeProbability(0.1, 4)) },
      { key: key(3), record: decisionRecord('sampled', composeThreshold(0.25, '8', 4), true) },
      { key: key(4), record: decisionRecord('rule:' + 'ü'.repeat(300), { probability: 1, th: '0' }) },
      { key: '', record: decisionRecord('error', { probability: 1, th: '0' }) },
    ];
    const out: Array<{ key: string; record: DecisionRecord | null }> = [];
    expect(decodeDecisions(encodeDecisions(decisions), (k, record) => out.push({ key: k, record }))).toBe(5);
    expect(out).toEqual(decisions);
  });

  test('after a crash, buffered spans replay and are decided; decisions made before it are honoured', async () => {
    const dir = tempDir('sampler-wal-');
    const built = await buildTraces([
      ...Array.from({ length: 6 }, () => ({ service: 's', rootName: 'GET /a', children: 2, rootDurationMs: 5 })),
      { service: 's', rootName: 'GET /health', children: 2, rootDurationMs: 5, rootAttributes: { 'http.route': '/health' } },
      { service: 's', rootName: 'GET /open', children: 2, rootDurationMs: 5 },
    ]);
    const done = built.slice(0, 6);
    const health = built[6];
    const open1 = built[7];
    const a = new Sink();
    const config = { decision_wait: '200ms', trace_timeout: '400ms' };
    // The open trace must still be open at the crash: no timeout before it.
    const first = await open(dir, { ...config, trace_timeout: '30s', always_drop: [{ name: 'health', attribute: 'http.route', equals: '/health' }] }, a);
    // One request: six whole traces, the health trace, and the children of a trace whose root
    // has not come; the open trace keeps the request in the log.
    await first.processor.process(batchOf([...done.flatMap((t) => t.items), ...health.items, ...open1.items.slice(1)]));
    await until(() => ids(done.flatMap((t) => t.items)).every((id) => a.spanIds.has(id)), 'the whole traces delivered');
    expect(ids(health.items).some((id) => a.spanIds.has(id))).toBe(false);
    a.dead = true;
    await first.storage.crash();

    // After the restart the drop rule is gone: the replayed health spans must still follow the
    // drop decided before the crash, and the open trace is decided and delivered.
    const b = new Sink();
    const second = await open(dir, config, b);
    await until(() => ids(open1.items.slice(1)).every((id) => b.spanIds.has(id)), 'the open trace delivered after the restart');
    await second.processor.process(batchOf([open1.items[0]])); // its root, late: follows the decision
    await until(() => b.spanIds.has(hex(open1.items[0].span.spanId)), 'the late root');
    expect(ids(health.items).some((id) => b.spanIds.has(id))).toBe(false);
    await second.processor.shutdown?.();

    // Everything was resolved: a third start replays nothing.
    const c = new Sink();
    const third = await open(dir, config, c);
    await new Promise((r) => setTimeout(r, 600));
    expect(c.spanIds.size).toBe(0);
    await third.processor.shutdown?.();
  }, 30_000);

  test('a full log refuses with a retryable error, and accepts again once traces are decided', async () => {
    const dir = tempDir('sampler-wal-');
    const traces = await buildTraces(Array.from({ length: 40 }, () => ({ service: 's', rootName: 'r', children: 3, rootDurationMs: 5 })));
    const sink = new Sink();
    const { processor } = await open(dir, { decision_wait: '200ms', storage_max_size: '4KiB' }, sink);
    let refusal: unknown;
    for (const t of traces) {
      try {
        await processor.process(batchOf(t.items));
      } catch (error) {
        refusal = error;
        break;
      }
    }
    expect(refusal).toBeInstanceOf(PipelineError);
    expect((refusal as PipelineError).retryable).toBe(true);
    await until(() => sink.spanIds.size > 0, 'decided traces leaving the log');
    await new Promise((r) => setTimeout(r, 100));
    await expect(processor.process(batchOf(traces[39].items))).resolves.toBeNull();
    await processor.shutdown?.();
  }, 30_000);

  test('a storage id that is not a running file_storage fails at start with a clear message', async () => {
    await expect(
      adaptiveSamplingProcessorFactory.create({
        id: 'adaptive_sampling', config: adaptiveSamplingConfigSchema.parse({ storage: 'file_storage' }), telemetry: new Telemetry(),
        logger: pino({ level: 'silent' }), host: new ServiceHost(), pipelineId: 'traces', signal: 'traces', next: new Sink(), exporters: new Map(),
      }),
    ).rejects.toThrow('storage "file_storage" is not a running file_storage extension');
  });
});
