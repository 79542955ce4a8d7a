import { expect, test } from 'vitest';
import { CATALOG, registryFor } from '../../src/component-catalog.ts';
import { COMPONENTS } from '../../src/components.ts';
import { buildGraph } from '../../src/service/graph.ts';
import { readRawConfig } from '../../src/config/load.ts';

// The catalog names every component without loading it; the process loads only those its config
// names. Each line must say what its factory says, or a config would find the wrong one.

test('each catalog line names the factory it loads', async () => {
  for (const entry of CATALOG) {
    const factory = await entry.load();
    const aliases = 'aliases' in factory ? (factory.aliases ?? []) : [];
    expect({ kind: factory.kind, type: factory.type, aliases }, `${entry.kind} ${entry.type}`).toEqual({ kind: entry.kind, type: entry.type, aliases: entry.aliases ?? [] });
  }
  expect(COMPONENTS).toHaveLength(CATALOG.length);
});

test('a registry for a config holds the components it names, by type or alias, and knows every name', async () => {
  const registry = await registryFor({
    receivers: { otlp: {} },
    processors: { 'batch/fast': {}, nonsense: {} },
    exporters: { logging: {} },
    connectors: null,
    extensions: 'not a map',
  });
  expect(registry.all().map((f) => `${f.kind} ${f.type}`)).toEqual(['receiver otlp', 'processor batch', 'exporter debug']);
  expect(registry.find('processor', 'redaction')).toBeUndefined();
  expect(registry.types('processor')).toContain('redaction');
  expect(registry.types('exporter')).toContain('otlp_http');
});

test('an unknown type in a lazily built registry is still answered with the closest name', async () => {
  const registry = await registryFor({ receivers: { otlp: {} }, exporters: { debg: {} } });
  const source = readRawConfig({ files: [], texts: ['receivers: { otlp: { protocols: { http: {} } } }\nexporters: { debg: {} }\nservice: { pipelines: { traces: { receivers: [otlp], exporters: [debg] } } }'], env: {} });
  expect(() => buildGraph(source, registry)).toThrow(/unknown exporter type "debg" \(did you mean "debug"\?\)/);
});
