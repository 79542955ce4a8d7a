import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import type { ExportLogsServiceRequest } from '../../src/otlp/types.ts';
import { RoutingProcessor, routingConfigSchema } from '../../src/processors/routing/index.ts';

const EMPTY = { resourceLogs: [] } as unknown as ExportLogsServiceRequest;

function exporters(...ids: string[]) {
  const seen = new Map<string, string[]>(ids.map((id) => [id, []]));
  const consumers = new Map<string, Consumer>(ids.map((id) => [id, { consume: async (batch: Batch) => void seen.get(id)!.push(batch.metadata.tenant ?? '-') }]));
  return { seen, consumers };
}

function routeAll(processor: RoutingProcessor, tenants: Array<string | undefined>) {
  return Promise.all(tenants.map((tenant) => processor.process(Batch.fromRequest('logs', EMPTY, internalMetadata(tenant)))));
}

describe('routing processor', () => {
  test('sends each batch to the exporters of the first route naming its tenant, else to the defaults, and passes nothing on', async () => {
    const { seen, consumers } = exporters('a', 'b', 'fallback');
    const config = routingConfigSchema.parse({
      table: [
        { tenants: ['acme'], exporters: ['a'] },
        { tenants: ['acme', 'globex'], exporters: ['b', 'a'] },
      ],
      default_exporters: ['fallback'],
    });
    const processor = new RoutingProcessor(config, consumers, 'routing');
    const results = await routeAll(processor, ['acme', 'globex', 'initech', undefined]);
    expect(results).toEqual([null, null, null, null]);
    expect(Object.fromEntries(seen)).toEqual({ a: ['acme', 'globex'], b: ['globex'], fallback: ['initech', '-'] });
  });

  test('with no default exporters, a tenant no route names is dropped', async () => {
    const { seen, consumers } = exporters('a');
    const processor = new RoutingProcessor(routingConfigSchema.parse({ table: [{ tenants: ['acme'], exporters: ['a'] }] }), consumers, 'routing');
    await routeAll(processor, ['initech']);
    expect(seen.get('a')).toEqual([]);
  });

  test('a failing exporter fails the batch, so the client hears of it', async () => {
    const failure = new Error('down');
    const consumers = new Map<string, Consumer>([['a', { consume: () => Promise.reject(failure) }]]);
    const processor = new RoutingProcessor(routingConfigSchema.parse({ default_exporters: ['a'] }), consumers, 'routing');
    await expect(routeAll(processor, ['x'])).rejects.toBe(failure);
  });
});
