import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cpuTotal } from '../../src/common/cgroup.ts';
import { Batch } from '../../src/core/batch.ts';
import { PipelineError } from '../../src/core/errors.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { workerDirectories } from '../../src/extensions/file_storage/file-storage.ts';
import { encodeTraces } from '../../src/otlp/protobuf.ts';
import { traceIdRule } from '../../src/otlp/proto/partition.ts';
import { QuotaLimiter } from '../../src/processors/tenant/quota.ts';
import { WorkerMesh } from '../../src/workers/mesh.ts';
import { mergeExpositions } from '../../src/workers/merge-metrics.ts';
import { shareOf } from '../../src/workers/protocol.ts';
import { WorkerRouter } from '../../src/workers/router.ts';
import { attrs, span, tracesRequest } from '../support/otlp.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'sluice-pool-'));

describe('cpuTotal', () => {
  test('a cgroup v2 quota below the cores wins, rounded up', () => {
    const root = scratch();
    writeFileSync(join(root, 'cpu.max'), '250000 100000\n');
    expect(cpuTotal(root, () => 16)).toEqual({ cpus: 3, source: `cgroup v2 (${join(root, 'cpu.max')})` });
  });
  test('no quota ("max") or a quota above the cores: the cores', () => {
    const root = scratch();
    writeFileSync(join(root, 'cpu.max'), 'max 100000\n');
    expect(cpuTotal(root, () => 8).cpus).toBe(8);
    writeFileSync(join(root, 'cpu.max'), '3200000 100000\n');
    expect(cpuTotal(root, () => 8).cpus).toBe(8);
  });
  test('cgroup v1, and a fraction of a core is one worker', () => {
    const root = scratch();
    mkdirSync(join(root, 'cpu'));
    writeFileSync(join(root, 'cpu', 'cpu.cfs_quota_us'), '50000');
    writeFileSync(join(root, 'cpu', 'cpu.cfs_period_us'), '100000');
    expect(cpuTotal(root, () => 4).cpus).toBe(1);
    writeFileSync(join(root, 'cpu', 'cpu.cfs_quota_us'), '-1');
    expect(cpuTotal(root, () => 4).cpus).toBe(4);
  });
});

describe('mergeExpositions', () => {
  const page = (accepted: number, uptime: number, bucket: number) => `# HELP otelcol_receiver_accepted_spans_total Spans accepted.
# TYPE otelcol_receiver_accepted_spans_total counter
otelcol_receiver_accepted_spans_total{service_instance_id="a",receiver="otlp"} ${accepted}
# HELP otelcol_process_uptime_seconds_total Uptime of the process.
# TYPE otelcol_process_uptime_seconds_total counter
otelcol_process_uptime_seconds_total{service_instance_id="a"} ${uptime}
# HELP lag Lag.
# TYPE lag histogram
lag_bucket{le="1"} ${bucket}
lag_bucket{le="+Inf"} ${bucket}
lag_sum ${bucket * 0.5}
lag_count ${bucket}
`;
  test('sums every sample, keeps pool-wide facts at their largest, and keeps the families whole', () => {
    const merged = mergeExpositions([page(10, 5, 2), page(32, 7, 3)]);
    expect(merged).toBe(`# HELP otelcol_receiver_accepted_spans_total Spans accepted.
# TYPE otelcol_receiver_accepted_spans_total counter
otelcol_receiver_accepted_spans_total{service_instance_id="a",receiver="otlp"} 42
# HELP otelcol_process_uptime_seconds_total Uptime of the process.
# TYPE otelcol_process_uptime_seconds_total counter
otelcol_process_uptime_seconds_total{service_instance_id="a"} 7
# HELP lag Lag.
# TYPE lag histogram
lag_bucket{le="1"} 5
lag_bucket{le="+Inf"} 5
lag_sum 2.5
lag_count 5
`);
  });
  test('a series only one worker has is kept as it is', () => {
    const merged = mergeExpositions([page(1, 1, 1), '# HELP extra Only here.\n# TYPE extra gauge\nextra{k="v"} 4\n']);
    expect(merged).toContain('extra{k="v"} 4');
  });
});

describe('workerDirectories', () => {
  const base = () => {
    const dir = scratch();
    for (const j of [0, 1, 2, 3, 4]) mkdirSync(join(dir, `worker-${j}`));
    return dir;
  };
  test('one process keeps its queues in the folder and drains every worker folder', () => {
    const dir = base();
    const { own, adopted } = workerDirectories(dir, { index: 0, count: 1 });
    expect(own).toBe(dir);
    expect(adopted.sort()).toEqual([0, 1, 2, 3, 4].map((j) => join(dir, `worker-${j}`)));
  });
  test('with fewer workers than folders, each orphaned folder goes to exactly one worker', () => {
    const dir = base();
    const of = (index: number) => workerDirectories(dir, { index, count: 2 });
    expect(of(0).own).toBe(join(dir, 'worker-0'));
    expect(of(0).adopted).toEqual(expect.arrayContaining([dir, join(dir, 'worker-2'), join(dir, 'worker-4')]));
    expect(of(0).adopted).toHaveLength(3);
    expect(of(1).adopted).toEqual([join(dir, 'worker-3')]);
  });
});

describe('shared quotas', () => {
  test('shares follow demand and add up to the whole limit', () => {
    const shares = [shareOf(70, 100, 2), shareOf(30, 100, 2)];
    expect(shares[0] + shares[1]).toBeCloseTo(1);
    expect(shares[0]).toBeGreaterThan(0.65);
    expect(shareOf(0, 0, 4)).toBe(0.25);
    expect(shareOf(0, 100, 2)).toBeGreaterThan(0); // a worker with no demand can still start
  });

  test("a worker admits its share of a tenant's rate, and reports what it was asked for", () => {
    let now = 0;
    const limiter = new QuotaLimiter([{ id: 'acme', quotas: { spans: { rate: 1000, burst: 1000 } } } as never], now);
    const { report, apply } = limiter.shareAmong(2, () => now);
    // Half of the burst until the pool says otherwise.
    expect(limiter.tryTake('acme', 'traces', 500, 0, now).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 1, 0, now).ok).toBe(false);
    expect(report().get('acme\u0000traces')).toBe(501);
    expect(report().size).toBe(0);
    apply(new Map([['acme\u0000traces', 0.8]]));
    now += 1000; // refills at 800/s, up to a burst of 800
    expect(limiter.tryTake('acme', 'traces', 800, 0, now).ok).toBe(true);
    expect(limiter.tryTake('acme', 'traces', 1, 0, now).ok).toBe(false);
  });
});

describe('the router and the mesh', () => {
  const traceId = (n: number) => {
    const id = new Uint8Array(16);
    id[0] = n;
    id[15] = n * 7;
    return id;
  };
  const batchOf = (traces: number[]) =>
    Batch.fromBytes('traces', encodeTraces(tracesRequest(traces.flatMap((t) => [span(attrs({ t }), { traceId: traceId(t) }), span(attrs({ t }), { traceId: traceId(t) })]))), traces.length * 2, internalMetadata('acme'));

  test('each trace reaches one worker, whichever worker routes it; refusals come back as they were', async () => {
    const folder = scratch();
    const meshes = [new WorkerMesh(folder, 0, 2), new WorkerMesh(folder, 1, 2)];
    const seen: Array<Map<string, number>> = [new Map(), new Map()];
    const tenants: string[] = [];
    let refuse = false;
    const routers = meshes.map(
      (mesh, w) =>
        new WorkerRouter(mesh, 'traces/0', 'traces', traceIdRule('traces'), {
          async consume(batch) {
            if (refuse && w === 1) throw new PipelineError('quota', 'over quota', 2000);
            tenants.push(batch.metadata.tenant ?? '');
            for (const rs of (batch as Batch<"traces">).request.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
              const key = Buffer.from(s.traceId).toString('hex');
              seen[w].set(key, (seen[w].get(key) ?? 0) + 1);
            }
          },
        }),
    );
    await Promise.all(meshes.map((m) => m.listen()));
    try {
      await routers[0].consume(batchOf([1, 2, 3, 4, 5, 6, 7, 8]));
      await routers[1].consume(batchOf([1, 2, 3, 4, 5, 6, 7, 8]));
      for (const key of new Set([...seen[0].keys(), ...seen[1].keys()])) {
        expect(seen[0].has(key) && seen[1].has(key), key).toBe(false);
        expect((seen[0].get(key) ?? 0) + (seen[1].get(key) ?? 0)).toBe(4);
      }
      expect(seen[0].size).toBeGreaterThan(0);
      expect(seen[1].size).toBeGreaterThan(0);
      expect(new Set(tenants)).toEqual(new Set(['acme']));
      refuse = true;
      const refusal = await routers[0].consume(batchOf([1, 2, 3, 4, 5, 6, 7, 8])).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(PipelineError);
      expect(refusal).toMatchObject({ kind: 'quota', retryable: true, retryAfterMs: 2000 });
    } finally {
      await Promise.all(meshes.map((m) => m.close()));
    }
  });
});

describe('service.workers', () => {
  const parse = async (workers: unknown) => {
    const { parseConfig } = await import('../../src/config/validate.ts');
    const { defaultRegistry } = await import('../../src/components.ts');
    const raw = { receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:4318' } } } }, exporters: { debug: {} }, service: { workers, pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } } };
    return parseConfig(raw, defaultRegistry());
  };
  test('auto by default, a count, and a clear refusal of anything else', async () => {
    expect((await parse(undefined)).config.workers).toBe('auto');
    expect((await parse(4)).config.workers).toBe(4);
    for (const bad of ['all', 0, 2.5]) {
      const { problems } = await parse(bad);
      expect(problems).toEqual([{ path: 'service.workers', message: expect.stringContaining('auto, or a whole number of worker processes') }]);
    }
  });
});

describe('queues of workers that no longer run', () => {
  test('one process takes over what a second worker left queued, and removes its folder', async () => {
    const { FileStorage } = await import('../../src/extensions/file_storage/file-storage.ts');
    const { fileStorageConfigSchema } = await import('../../src/extensions/file_storage/config.ts');
    const { Telemetry } = await import('../../src/core/telemetry.ts');
    const { pino } = await import('pino');
    const { existsSync } = await import('node:fs');
    const directory = scratch();
    const config = fileStorageConfigSchema.parse({ directory, fsync: 'always' });
    const bounds = { maxBytes: 1 << 20, whenFull: 'block' as const };
    const logger = pino({ level: 'silent' });
    const spans = (n: number) => Batch.fromBytes('traces', encodeTraces(tracesRequest(Array.from({ length: n }, () => span()))), n, internalMetadata('acme'));

    // Worker 1 of 2 queues three batches and dies with them unsent.
    const second = await new FileStorage(config, new Telemetry(), logger, { worker: { index: 1, count: 2 } }).openQueue('otlphttp', 'traces', bounds);
    for (const n of [1, 2, 3]) expect(await second.offer(spans(n))).toBe('ok');
    await second.dispose?.();
    expect(existsSync(join(directory, 'worker-1'))).toBe(true);

    // A single process starts on the same folder: its queue holds them, oldest first.
    const single = await new FileStorage(config, new Telemetry(), logger).openQueue('otlphttp', 'traces', bounds);
    expect(single.size).toBe(3);
    const items: number[] = [];
    for (let entry = await single.poll(); entry !== undefined; entry = await single.poll()) {
      items.push(entry.batch.itemCount);
      single.ack(entry);
    }
    expect(items).toEqual([1, 2, 3]);
    expect(existsSync(join(directory, 'worker-1', 'otlphttp-traces'))).toBe(false);
    await single.dispose?.();
  });
});

describe('the file exporter with several workers', () => {
  test('worker 0 writes the configured path, each other worker a file of its own beside it', async () => {
    const { workerPath } = await import('../../src/exporters/file/file-exporter.ts');
    expect(workerPath('/out/telemetry.jsonl', undefined)).toBe('/out/telemetry.jsonl');
    expect(workerPath('/out/telemetry.jsonl', { index: 0, count: 4 })).toBe('/out/telemetry.jsonl');
    expect(workerPath('/out/telemetry.jsonl', { index: 3, count: 4 })).toBe('/out/telemetry.worker-3.jsonl');
    expect(workerPath('/out/traces', { index: 1, count: 2 })).toBe('/out/traces.worker-1');
  });
});
