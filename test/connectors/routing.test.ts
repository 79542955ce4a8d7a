import { describe, expect, test } from 'vitest';
import { defaultRegistry } from '../../src/components.ts';
import { routingConfigSchema, RoutingConnector } from '../../src/connectors/routing/index.ts';
import { ConfigError, readRawConfig } from '../../src/config/load.ts';
import { parseWithProblems } from '../../src/config/validate.ts';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import type { ExportLogsServiceRequest } from '../../src/otlp/types.ts';
import { buildGraph } from '../../src/service/graph.ts';

// The routing connector: resources routed by OTTL condition (a batch split when they differ),
// batches routed by tenant, the default pipelines, and its config and graph errors.

const LOGS = (tenants: string[]) =>
  JSON.stringify({
    resourceLogs: tenants.map((t) => ({
      resource: { attributes: [{ key: 'tenant.id', value: { stringValue: t } }] },
      scopeLogs: [{ logRecords: [{ body: { stringValue: `from ${t}` } }, { body: { stringValue: 'again' } }] }],
    })),
  });

function setup(config: unknown) {
  const got = new Map<string, Batch[]>();
  const pipelines = new Map<string, Consumer>(['logs/acme', 'logs/vip', 'logs/rest'].map((id) => [id, { consume: async (b: Batch) => void got.set(id, [...(got.get(id) ?? []), b]) }]));
  return { connector: new RoutingConnector(routingConfigSchema.parse(config), 'logs', pipelines), got };
}

const tenantsOf = (batches: Batch[] | undefined) =>
  (batches ?? []).flatMap((b) => (b.request as ExportLogsServiceRequest).resourceLogs.map((rl) => rl.resource!.attributes[0].value.stringValue));

describe('routing connector', () => {
  const CONFIG = {
    table: [
      { condition: 'attributes["tenant.id"] == "acme"', pipelines: ['logs/acme'] },
      { tenants: ['vip'], pipelines: ['logs/vip'] },
    ],
    default_pipelines: ['logs/rest'],
  };

  test('each resource goes to the first route whose condition holds; the rest to default_pipelines, split per route', async () => {
    const { connector, got } = setup(CONFIG);
    await connector.consume(Batch.fromRequest('logs', decodeJson('logs', LOGS(['acme', 'globex', 'acme'])), internalMetadata()));
    expect(tenantsOf(got.get('logs/acme'))).toEqual(['acme', 'acme']);
    expect(tenantsOf(got.get('logs/rest'))).toEqual(['globex']);
    expect(got.get('logs/acme')![0].itemCount).toBe(4);
    expect(got.has('logs/vip')).toBe(false);
  });

  test('a batch whose resources all take one route is handed on whole, bytes untouched', async () => {
    const { connector, got } = setup(CONFIG);
    const bytes = Batch.fromRequest('logs', decodeJson('logs', LOGS(['acme', 'acme'])), internalMetadata()).bytes();
    const batch = Batch.fromBytes('logs', bytes, 4, internalMetadata());
    await connector.consume(batch);
    expect(got.get('logs/acme')).toEqual([batch]);
    expect(got.get('logs/acme')![0].bytes()).toBe(bytes);
  });

  test('a tenants route takes the batch of that tenant (request metadata) unless an earlier condition takes a resource first', async () => {
    const { connector, got } = setup(CONFIG);
    await connector.consume(Batch.fromRequest('logs', decodeJson('logs', LOGS(['globex', 'acme'])), internalMetadata('vip')));
    expect(tenantsOf(got.get('logs/vip'))).toEqual(['globex']);
    expect(tenantsOf(got.get('logs/acme'))).toEqual(['acme']);
    expect(got.has('logs/rest')).toBe(false);
  });

  test('config mistakes are refused with their paths', () => {
    const problems = parseWithProblems(
      routingConfigSchema,
      { table: [{ statement: 'route() where true', pipelines: ['x'] }, { condition: 'attributes["a"] ==', pipelines: ['x'] }, { condition: 'true', tenants: ['a'], pipelines: ['x'] }, { tenants: ['a'], context: 'span', pipelines: ['x'] }] },
      'connectors.routing',
    ).problems.map((p) => p.path);
    expect(problems.sort()).toEqual([
      'connectors.routing.table[0]',
      'connectors.routing.table[0].statement',
      'connectors.routing.table[1].condition',
      'connectors.routing.table[2]',
      'connectors.routing.table[3].context',
    ]);
  });

  test('a route naming a pipeline that does not receive from the connector is a graph error', () => {
    const yaml = `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters: { debug: {} }
connectors: { routing: { table: [{ tenants: [acme], pipelines: [logs/acme, logs/typo] }], default_pipelines: [logs] } }
service:
  telemetry: { metrics: { address: '' } }
  pipelines:
    logs: { receivers: [otlp], exporters: [routing] }
    logs/acme: { receivers: [routing], exporters: [debug] }
`;
    let problems: string[] = [];
    try {
      buildGraph(readRawConfig({ files: [], texts: [yaml], env: {} }), defaultRegistry());
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems.map((p) => `${p.path}: ${p.message}`);
    }
    expect(problems).toEqual([
      'connectors.routing.table[0].pipelines[1]: pipeline "logs/typo" does not list "routing" as a receiver (it feeds: logs/acme)',
      'connectors.routing.default_pipelines[0]: pipeline "logs" does not list "routing" as a receiver (it feeds: logs/acme)',
    ]);
  });
});
