import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { forwardConnectorFactory } from '../../src/connectors/forward/index.ts';
import { ConfigError, readRawConfig } from '../../src/config/load.ts';
import { Batch } from '../../src/core/batch.ts';
import type { AnyFactory, ConnectorFactory, Consumer, ExporterFactory, ProcessorFactory, ReceiverFactory } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import { Registry } from '../../src/registry.ts';
import { buildGraph, type Graph } from '../../src/service/graph.ts';
import { Service } from '../../src/service/service.ts';

// Connectors in the graph: what the build refuses (all at once, with paths), the order pipelines
// joined by connectors start and stop in, and data crossing a connector, with recording
// components around the real forward connector and a recording traces-to-metrics one.

const events: string[] = [];
const receiverConsumers = new Map<string, Partial<Record<string, Consumer>>>();
const lifecycle = (id: string) => ({ start: () => void events.push(`start ${id}`), shutdown: () => void events.push(`stop ${id}`) });

const receiver: ReceiverFactory = {
  kind: 'receiver',
  type: 'rec',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: z.object({}).strict(),
  create(ctx) {
    receiverConsumers.set(ctx.id, ctx.consumers);
    return lifecycle(ctx.id);
  },
};

const processor: ProcessorFactory = {
  kind: 'processor',
  type: 'proc',
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  configSchema: z.object({}).strict(),
  create: (ctx) => ({ process: (batch) => batch, ...lifecycle(`${ctx.pipelineId}/${ctx.id}`) }),
};

/** Renames every span in place: a mutator, so fan-out must hand it a copy. */
const renamer: ProcessorFactory = {
  kind: 'processor',
  type: 'rename',
  signals: ['traces'],
  mutatesData: true,
  configSchema: z.object({}).strict(),
  create: () => ({
    process(batch) {
      for (const rs of (batch.mutate() as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }> }).resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) span.name = 'renamed';
      return batch;
    },
  }),
};

const names: string[] = [];
const pushed: string[] = [];
const exporter: ExporterFactory = {
  kind: 'exporter',
  type: 'bare',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: z.object({}).strict(),
  create: (ctx) => ({
    push: async (batch) => {
      pushed.push(`${ctx.signal}/${ctx.id}:${batch.itemCount}`);
      if (ctx.signal === 'traces') for (const rs of (batch.request as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }> }).resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) names.push(`${ctx.id}:${span.name}`);
    },
    ...lifecycle(`${ctx.signal}/${ctx.id}`),
  }),
};

/** Emits one metrics batch per traces batch it takes, and counts what it took at shutdown. */
const toMetrics: ConnectorFactory = {
  kind: 'connector',
  type: 'tometrics',
  pairs: [['traces', 'metrics']],
  passesBatchesOn: false,
  configSchema: z.object({}).strict(),
  create(ctx) {
    const id = `${ctx.id}[${ctx.from}->${ctx.to}]`;
    return {
      consume: (batch) =>
        ctx.next.consume(Batch.fromRequest('metrics', { resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: Array.from({ length: batch.itemCount }, () => ({ asInt: '1' })) } } as never] }] }] } as never, batch.metadata)),
      ...lifecycle(id),
    };
  },
};

const registry = new Registry([receiver, { ...receiver, type: 'forward' }, processor, renamer, exporter, forwardConnectorFactory, toMetrics] as AnyFactory[]);

function graphOf(yaml: string): Graph {
  return buildGraph(readRawConfig({ files: [], texts: [yaml], env: {} }), registry);
}

function problemsOf(yaml: string): string[] {
  try {
    graphOf(yaml);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

const COMMON = `
receivers: { rec: {} }
processors: { proc: {} }
exporters: { bare: {}, bare/2: {} }
`;

describe('connectors in the graph build', () => {
  test('every connector mistake is reported at once, each with its path', () => {
    const problems = problemsOf(`${COMMON}
connectors: { forward: {}, forward/loop: {}, forward/dangling: {}, forward/orphan: {}, tometrics: {}, forward/unused: {}, forward/typo: { nope: 1 } }
service:
  pipelines:
    traces: { receivers: [rec], exporters: [forward, forward/dangling] }
    traces/2: { receivers: [forward, forward/loop], exporters: [forward/loop, bare, tometrics] }
    logs: { receivers: [forward/orphan, tometrics], exporters: [bare] }
    metrics: { receivers: [rec], exporters: [bare, forward/typo] }
    metrics/2: { receivers: [forward/typo], exporters: [bare] }
`);
    expect(problems.sort()).toEqual(
      [
        'connectors.forward/typo.nope: unknown key "nope"',
        // Used at one end only.
        'connectors.forward/dangling: connector "forward/dangling" is an exporter in traces but no pipeline lists it as a receiver, so what it emits goes nowhere',
        'connectors.forward/orphan: connector "forward/orphan" is a receiver in logs but no pipeline lists it as an exporter, so it never gets anything',
        // A signal the connector cannot take on that side.
        'service.pipelines.logs.receivers[1]: connector "tometrics" cannot be a receiver in a logs pipeline (it can in metrics)',
        // A pipeline feeding itself.
        'service.pipelines.traces/2: pipelines form a cycle through connectors: traces/2 → forward/loop → traces/2',
        // Both ends used, but its receiving pipeline is of a signal it cannot make from traces.
        'service.pipelines.traces/2.exporters[2]: connector "tometrics" cannot join traces/2 to any pipeline that receives from it (logs); it joins traces to metrics',
      ].sort(),
    );
  });

  test('a connector joining unlike signals it does not support is refused on both ends', () => {
    expect(
      problemsOf(`${COMMON}
connectors: { forward: {} }
service:
  pipelines:
    traces: { receivers: [rec], exporters: [forward] }
    logs: { receivers: [forward], exporters: [bare] }
`).sort(),
    ).toEqual([
      'service.pipelines.logs.receivers[0]: connector "forward" cannot feed logs from any pipeline that exports to it (traces); it joins traces to traces, metrics to metrics, logs to logs',
      'service.pipelines.traces.exporters[0]: connector "forward" cannot join traces to any pipeline that receives from it (logs); it joins traces to traces, metrics to metrics, logs to logs',
    ]);
  });

  test('a longer cycle is named step by step, once', () => {
    expect(
      problemsOf(`${COMMON}
connectors: { forward/a: {}, forward/b: {}, forward/c: {} }
service:
  pipelines:
    traces/a: { receivers: [rec, forward/c], exporters: [forward/a] }
    traces/b: { receivers: [forward/a], exporters: [forward/b] }
    traces/c: { receivers: [forward/b], exporters: [forward/c, bare] }
`),
    ).toEqual(['service.pipelines.traces/a: pipelines form a cycle through connectors: traces/a → forward/a → traces/b → forward/b → traces/c → forward/c → traces/a']);
  });

  test('an id defined as a receiver and as a connector is ambiguous in a pipeline', () => {
    expect(
      problemsOf(`${COMMON.replace('rec: {}', 'rec: {}, forward: {}')}
connectors: { forward: {} }
service: { pipelines: { traces: { receivers: [rec, forward], exporters: [bare] } } }
`),
    ).toEqual(['service.pipelines.traces.receivers[1]: "forward" is defined under both receivers and connectors: rename one']);
  });

  test('a connector defined but used nowhere is not a mistake and is not planned', () => {
    const graph = graphOf(`${COMMON}
connectors: { forward: {} }
service: { pipelines: { traces: { receivers: [rec], exporters: [bare] } } }
`);
    expect(graph.connectors).toEqual([]);
  });
});

const CHAIN = `${COMMON}
connectors: { forward: {}, tometrics: {} }
service:
  telemetry: { metrics: { address: '' } }
  pipelines:
    metrics: { receivers: [tometrics], processors: [proc], exporters: [bare/2] }
    traces/in: { receivers: [rec], processors: [proc], exporters: [forward, tometrics] }
    traces/out: { receivers: [forward], processors: [proc], exporters: [bare] }
`;

describe('connectors at run time', () => {
  test('downstream pipelines start before a connector, the connector before its upstream; stop runs the other way', async () => {
    events.length = 0;
    pushed.length = 0;
    const graph = graphOf(CHAIN);
    expect(graph.connectors).toEqual([
      { id: 'forward', from: 'traces', to: 'traces', upstream: ['traces/in'], downstream: ['traces/out'] },
      { id: 'tometrics', from: 'traces', to: 'metrics', upstream: ['traces/in'], downstream: ['metrics'] },
    ]);
    expect(graph.pipelines.map((p) => p.id)).toEqual(['metrics', 'traces/out', 'traces/in']);
    const service = new Service(graph, { logger: pino({ level: 'silent' }), telemetry: new Telemetry() });
    await service.start();
    const started = events.filter((e) => e.startsWith('start ') && !e.includes('bare'));
    expect(started).toEqual(['start metrics/proc', 'start traces/out/proc', 'start tometrics[traces->metrics]', 'start traces/in/proc', 'start rec']);

    const spans = Array.from({ length: 3 }, (_, i) => ({ name: `s${i}` }));
    const batch = Batch.fromRequest('traces', { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] } as never, internalMetadata());
    await receiverConsumers.get('rec')!.traces!.consume(batch);
    // Through forward into traces/out's exporter, and through tometrics into the metrics pipeline.
    expect(pushed.sort()).toEqual(['metrics/bare/2:3', 'traces/bare:3']);

    await service.shutdown(1_000);
    const stopped = events.filter((e) => e.startsWith('stop ') && !e.includes('bare'));
    expect(stopped).toEqual(['stop rec', 'stop traces/in/proc', 'stop tometrics[traces->metrics]', 'stop metrics/proc', 'stop traces/out/proc']);
  });

  test('a pipeline behind forward that edits batches gets its own copy: the upstream exporter sees them as they came', async () => {
    names.length = 0;
    const graph = graphOf(`${COMMON.replace('proc: {}', 'rename: {}')}
connectors: { forward: {} }
service:
  telemetry: { metrics: { address: '' } }
  pipelines:
    traces: { receivers: [rec], exporters: [bare, forward] }
    traces/edited: { receivers: [forward], processors: [rename], exporters: [bare/2] }
`);
    const service = new Service(graph, { logger: pino({ level: 'silent' }), telemetry: new Telemetry() });
    await service.start();
    const request = decodeJson('traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'original' }] }] }] }));
    await receiverConsumers.get('rec')!.traces!.consume(Batch.fromRequest('traces', request, internalMetadata()));
    await service.shutdown(1_000);
    expect(names.sort()).toEqual(['bare/2:renamed', 'bare:original']);
  });
});
