import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defaultRegistry } from '../../src/components.ts';
import { ConfigError, readRawConfig } from '../../src/config/load.ts';
import { Batch } from '../../src/core/batch.ts';
import type { AnyFactory, Consumer, ExporterFactory, ExtensionFactory, GraphContext, ProcessorFactory, ReceiverFactory } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { Registry } from '../../src/registry.ts';
import { buildGraph, type Graph } from '../../src/service/graph.ts';
import { Service } from '../../src/service/service.ts';

// The graph build and the service's start/stop order, with recording components in place of real
// ones: what is checked, what is created, and in which order things start and stop.

const events: string[] = [];
const consumers = new Map<string, Partial<Record<string, Consumer>>>();

const lifecycle = (id: string) => ({
  start: () => void events.push(`start ${id}`),
  shutdown: () => void events.push(`stop ${id}`),
});

const recordingReceiver: ReceiverFactory = {
  kind: 'receiver',
  type: 'rec',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: z.object({ metadata_headers: z.array(z.string()).default([]) }).strict(),
  metadataHeaders: (config) => config.metadata_headers,
  create(ctx) {
    events.push(`create ${ctx.id}`);
    consumers.set(ctx.id, ctx.consumers);
    return lifecycle(ctx.id);
  },
};

const positions: Array<{ id: string; pipeline: string; position: number }> = [];
const recordingProcessor: ProcessorFactory = {
  kind: 'processor',
  type: 'proc',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: z.object({ must_be_first: z.boolean().default(false) }).strict(),
  validateInGraph(ctx: GraphContext<{ must_be_first: boolean }>) {
    const [pipeline] = ctx.pipelines;
    const position = pipeline.processors.findIndex((p) => p.id === ctx.id);
    positions.push({ id: ctx.id, pipeline: pipeline.id, position });
    return ctx.config.must_be_first && position !== 0 ? [{ path: `${pipeline.path}.processors[${position}]`, message: `"${ctx.id}" must come first` }] : [];
  },
  create(ctx) {
    events.push(`create ${ctx.pipelineId}/${ctx.id}`);
    return { process: (batch) => batch, ...lifecycle(`${ctx.pipelineId}/${ctx.id}`) };
  },
};

const pushed: Array<{ id: string; signal: string; items: number }> = [];
/** Its schema declares none of the helper's settings: the framework adds them. */
const bareExporter: ExporterFactory = {
  kind: 'exporter',
  type: 'bare',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: z.object({ label: z.string().default('') }).strict(),
  create(ctx) {
    events.push(`create ${ctx.signal}/${ctx.id}`);
    return {
      push: async (batch) => void pushed.push({ id: ctx.id, signal: ctx.signal, items: batch.itemCount }),
      ...lifecycle(`${ctx.signal}/${ctx.id}`),
    };
  },
};

const recordingExtension: ExtensionFactory = {
  kind: 'extension',
  type: 'ext',
  configSchema: z.object({}).strict(),
  provides: ['storage'],
  create(ctx) {
    events.push(`create ${ctx.id}`);
    return lifecycle(ctx.id);
  },
};

const registry = new Registry([recordingReceiver, recordingProcessor, bareExporter, recordingExtension] as AnyFactory[]);

function graphOf(yaml: string, reg: Registry = registry): Graph {
  return buildGraph(readRawConfig({ files: [], texts: [yaml], env: {} }), reg);
}

function problemsOf(yaml: string, reg: Registry = registry): string[] {
  try {
    graphOf(yaml, reg);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

const TWO_PIPELINES = `
receivers: { rec: {}, rec/b: {} }
processors: { proc: {}, proc/b: {} }
exporters: { bare: {}, bare/b: {} }
extensions: { ext: {}, ext/unused: {} }
service:
  extensions: [ext]
  telemetry: { metrics: { address: '' } }
  pipelines:
    traces: { receivers: [rec], processors: [proc, proc/b], exporters: [bare] }
    traces/2: { receivers: [rec, rec/b], processors: [proc], exporters: [bare, bare/b] }
    logs: { receivers: [rec], exporters: [bare] }
`;

describe('graph build', () => {
  test('plans one exporter per (signal, id), one receiver per id feeding its pipelines per signal, one chain per pipeline', () => {
    const graph = graphOf(TWO_PIPELINES);
    expect(graph.extensions).toEqual(['ext']);
    expect(graph.exporters).toEqual([
      { id: 'bare', signal: 'traces' },
      { id: 'bare/b', signal: 'traces' },
      { id: 'bare', signal: 'logs' },
    ]);
    expect(graph.receivers).toEqual([
      { id: 'rec', pipelines: { traces: ['traces', 'traces/2'], logs: ['logs'] } },
      { id: 'rec/b', pipelines: { traces: ['traces/2'] } },
    ]);
    expect(graph.pipelines.map((p) => [p.id, p.processors])).toEqual([
      ['traces', ['proc', 'proc/b']],
      ['traces/2', ['proc']],
      ['logs', []],
    ]);
  });

  test('a processor is checked once per pipeline that lists it, knowing its position there', () => {
    positions.length = 0;
    graphOf(TWO_PIPELINES);
    expect(positions).toEqual([
      { id: 'proc', pipeline: 'traces', position: 0 },
      { id: 'proc/b', pipeline: 'traces', position: 1 },
      { id: 'proc', pipeline: 'traces/2', position: 0 },
    ]);
  });

  test("a factory's problems come back with their path, beside the schema's", () => {
    expect(
      problemsOf(`
receivers: { rec: { extra: 1 } }
processors: { proc: {}, proc/first: { must_be_first: true } }
exporters: { bare: {} }
service:
  pipelines:
    traces: { receivers: [rec], processors: [proc, proc/first], exporters: [bare] }
`),
    ).toEqual(['receivers.rec.extra: unknown key "extra"', 'service.pipelines.traces.processors[1]: "proc/first" must come first']);
  });

  test('the framework adds the helper settings to an exporter schema that declares none, and checks their storage', () => {
    const graph = graphOf(`
receivers: { rec: {} }
exporters: { bare: { label: x, timeout: 2s, sending_queue: { queue_size: 7 }, retry_on_failure: { enabled: false } } }
service: { pipelines: { traces: { receivers: [rec], exporters: [bare] } } }
`);
    expect(graph.config.exporters.get('bare')!.config).toMatchObject({
      label: 'x',
      timeout: 2000,
      sending_queue: { enabled: true, queue_size: 7, num_consumers: 10 },
      retry_on_failure: { enabled: false },
    });
    expect(
      problemsOf(`
receivers: { rec: {} }
exporters:
  bare: { sending_queue: { storage: ext } }
  bare/off: { sending_queue: { enabled: false, storage: nowhere } }
  bare/nowhere: { sending_queue: { storage: nowhere } }
extensions: { ext: {} }
service: { pipelines: { traces: { receivers: [rec], exporters: [bare, bare/off, bare/nowhere] } } }
`),
    ).toEqual([
      'exporters.bare.sending_queue.storage: extension "ext" is not started: add it to service.extensions',
      'exporters.bare/nowhere.sending_queue.storage: extension "nowhere" is not defined under extensions (defined storage extensions: "ext")',
    ]);
  });

  test('an exporter whose schema is not a z.object is a programming error, said plainly', () => {
    const odd: ExporterFactory = { ...bareExporter, type: 'odd', configSchema: z.object({}).transform((c) => c) };
    expect(() => problemsOf('exporters: { odd: {} }', new Registry([odd]))).toThrow(/exporter odd: configSchema must be a z.object/);
  });

  test('the tenant processor needs its header passed on by every receiver of the pipeline', () => {
    const yaml = (headers: string) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } }, metadata_headers: [${headers}] } }
processors: { tenant: { header: X-Tenant } }
exporters: { debug: {} }
service: { pipelines: { logs: { receivers: [otlp], processors: [tenant], exporters: [debug] } } }
`;
    const real = defaultRegistry();
    expect(problemsOf(yaml(''), real)).toEqual([
      'processors.tenant.header: receiver "otlp" of pipeline logs does not pass header "x-tenant" on: add it to receivers.otlp.metadata_headers',
    ]);
    expect(problemsOf(yaml('X-Tenant'), real)).toEqual([]);
    expect(problemsOf(yaml('').replace('header: X-Tenant', 'sources: [auth, resource], header: X-Tenant'), real)).toEqual([]);
  });

  test("batch's metadata_keys may name a header the receivers do not keep: it reads as empty, as in the Collector without include_metadata", () => {
    const yaml = `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors: { batch: { metadata_keys: [tenant, X-Team] } }
exporters: { debug: {} }
service: { pipelines: { logs: { receivers: [otlp], processors: [batch], exporters: [debug] } } }
`;
    expect(problemsOf(yaml, defaultRegistry())).toEqual([]);
  });

  test('routing must be the last processor and may name only its pipeline\'s exporters; both checked per pipeline', () => {
    const problems = problemsOf(
      `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors:
  batch: {}
  routing: { table: [{ tenants: [acme], exporters: [debug/acme] }], default_exporters: [debug] }
exporters: { debug: {}, debug/acme: {} }
service:
  pipelines:
    logs: { receivers: [otlp], processors: [batch, routing], exporters: [debug, debug/acme] }
    traces: { receivers: [otlp], processors: [routing, batch], exporters: [debug] }
`,
      defaultRegistry(),
    );
    expect(problems).toEqual([
      'service.pipelines.traces.processors[0]: "routing" must be the last processor: it hands batches to exporters, so "batch" after it would never see data',
      'processors.routing.table[0].exporters[0]: exporter "debug/acme" is not among the exporters of pipeline traces ("debug"); add it there',
    ]);
  });

  test('an authenticator reference must name a started authenticator extension', () => {
    const yaml = (extensions: string, started: string) => `
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0, auth: { authenticator: auth } } } } }
exporters: { debug: {} }
extensions: { ${extensions} }
service: { extensions: [${started}], pipelines: { traces: { receivers: [otlp], exporters: [debug] } } }
`;
    const real = defaultRegistry();
    expect(problemsOf(yaml('auth: {}', ''), real)).toEqual(['extensions.auth: unknown extension type "auth" (known: health_check, bearertokenauth, file_storage, status_page, basicauth, headers_setter, zpages)']);
    expect(problemsOf(yaml('health_check/x: {}', ''), real)).toEqual([
      'receivers.otlp.protocols.grpc.auth.authenticator: extension "auth" is not defined under extensions',
    ]);
    expect(problemsOf(yaml('bearertokenauth/auth: { tokens_file: t.yaml }', '').replace('authenticator: auth', 'authenticator: bearertokenauth/auth'), real)).toEqual([
      'receivers.otlp.protocols.grpc.auth.authenticator: extension "bearertokenauth/auth" is not started: add it to service.extensions',
    ]);
    expect(problemsOf(yaml('health_check: {}', 'health_check').replace('authenticator: auth', 'authenticator: health_check'), real)).toEqual([
      'receivers.otlp.protocols.grpc.auth.authenticator: extension "health_check" is not an authenticator extension',
    ]);
  });
});

describe('the sampler\'s write-ahead log', () => {
  test('adaptive_sampling.storage must name a started storage extension', () => {
    const yaml = (extensions: string, started: string) => `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors: { adaptive_sampling: { storage: wal } }
exporters: { debug: {} }
extensions: { ${extensions} }
service: { extensions: [${started}], pipelines: { traces: { receivers: [otlp], processors: [adaptive_sampling], exporters: [debug] } } }
`;
    const real = defaultRegistry();
    expect(problemsOf(yaml('health_check: { endpoint: 127.0.0.1:0 }', ''), real)).toEqual([
      'processors.adaptive_sampling.storage: extension "wal" is not defined under extensions',
    ]);
    expect(problemsOf(yaml('file_storage/wal: { directory: /tmp/x }', '').replace('storage: wal', 'storage: file_storage/wal'), real)).toEqual([
      'processors.adaptive_sampling.storage: extension "file_storage/wal" is not started: add it to service.extensions',
    ]);
    expect(problemsOf(yaml('file_storage/wal: { directory: /tmp/x }', 'file_storage/wal').replace('storage: wal', 'storage: file_storage/wal'), real)).toEqual([]);
  });
});

describe('service start and shutdown', () => {
  test('start: extensions, exporters, processors, receivers; shutdown the reverse; data flows through the helper', async () => {
    events.length = 0;
    pushed.length = 0;
    const graph = graphOf(TWO_PIPELINES);
    const service = new Service(graph, { logger: pino({ level: 'silent' }), telemetry: new Telemetry() });
    await service.start();
    const started = events.filter((e) => e.startsWith('start '));
    expect(started).toEqual([
      'start ext',
      'start traces/bare',
      'start traces/bare/b',
      'start logs/bare',
      'start traces/proc',
      'start traces/proc/b',
      'start traces/2/proc',
      'start rec',
      'start rec/b',
    ]);
    // Everything is created before it starts, and receivers last of all.
    expect(events.indexOf('create rec')).toBeGreaterThan(events.indexOf('start traces/2/proc'));

    const batch = Batch.fromRequest('traces', { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [{ name: 's' } as never] }] }] } as never, internalMetadata());
    await consumers.get('rec')!.traces!.consume(batch);
    await service.shutdown(1_000);
    // Both traces pipelines took the receiver's batch; the shared exporter got it twice, bare/b once.
    expect(pushed.map((p) => `${p.signal}/${p.id}`).sort()).toEqual(['traces/bare', 'traces/bare', 'traces/bare/b']);

    const stopped = events.filter((e) => e.startsWith('stop '));
    expect(stopped.slice(0, 2).sort()).toEqual(['stop rec', 'stop rec/b']);
    expect(stopped.slice(2, 5)).toEqual(['stop traces/proc', 'stop traces/proc/b', 'stop traces/2/proc']);
    expect(stopped.slice(5, 8).sort()).toEqual(['stop logs/bare', 'stop traces/bare', 'stop traces/bare/b']);
    expect(stopped.slice(8)).toEqual(['stop ext']);
  });
});

describe('listening ports', () => {
  const real = defaultRegistry();

  test('two started listeners on one port are refused at validation, a wildcard host clashing with any other', () => {
    expect(
      problemsOf(
        `
receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:4317 }, http: { endpoint: 0.0.0.0:4317 } } }
  otlp/2: { protocols: { http: { endpoint: localhost:13133 } } }
  otlp/unused: { protocols: { http: { endpoint: 127.0.0.1:4317 } } }
exporters: { debug: {} }
extensions: { health_check: {} }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: ':4317' } }
  pipelines: { traces: { receivers: [otlp, otlp/2], exporters: [debug] } }
`,
        real,
      ),
    ).toEqual([
      'receivers.otlp.protocols.http.endpoint: port 4317 is already taken by receivers.otlp.protocols.grpc.endpoint',
      'extensions.health_check.endpoint: port 13133 is already taken by receivers.otlp/2.protocols.http.endpoint',
      'service.telemetry.metrics.address: port 4317 is already taken by receivers.otlp.protocols.grpc.endpoint',
    ]);
  });

  test('different hosts on one port, and port 0, are fine', () => {
    expect(
      problemsOf(
        `
receivers:
  otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 }, http: { endpoint: 127.0.0.2:4318 } } }
  otlp/2: { protocols: { grpc: { endpoint: 127.0.0.1:0 }, http: { endpoint: 127.0.0.1:4318 } } }
exporters: { debug: {} }
service: { telemetry: { metrics: { address: '' } }, pipelines: { traces: { receivers: [otlp, otlp/2], exporters: [debug] } } }
`,
        real,
      ),
    ).toEqual([]);
  });
});
