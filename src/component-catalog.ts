import type { AnyFactory, ComponentKind } from './core/component.ts';
import { parseComponentId } from './config/validate.ts';
import { Registry } from './registry.ts';

// Every component Sluice ships, by name, each loaded only when a config names it. A process holds
// the modules of the components it runs and no others: all of them together are ~6 MiB of heap
// (redaction's detectors, the OTTL compiler, the sampler, remote write's encoder, …), and a
// pass-through Sluice that held them all ran more mark-compacts at the testbed load (V8 counts the
// request bodies read since the last one against a 40 MiB old generation, and those modules sat in
// it) and 7-8 MiB more RSS (benchmarks/RESULTS.md, "Pass-through regression found").
// Adding a component is one line here; test/contract/components.test.ts checks each line against
// the factory it loads.

export interface CatalogEntry {
  readonly kind: ComponentKind;
  readonly type: string;
  readonly aliases?: readonly string[];
  load(): Promise<AnyFactory>;
}

const entry = (kind: ComponentKind, type: string, load: () => Promise<AnyFactory>, aliases?: readonly string[]): CatalogEntry =>
  aliases === undefined ? { kind, type, load } : { kind, type, aliases, load };

export const CATALOG: readonly CatalogEntry[] = [
  entry('receiver', 'otlp', async () => (await import('./receivers/otlp/index.ts')).otlpReceiverFactory),
  entry('receiver', 'heartbeat', async () => (await import('./receivers/heartbeat/index.ts')).heartbeatReceiverFactory),
  entry('processor', 'batch', async () => (await import('./processors/batch/index.ts')).batchProcessorFactory),
  entry('processor', 'memory_limiter', async () => (await import('./processors/memory_limiter/index.ts')).memoryLimiterProcessorFactory),
  entry('processor', 'tenant', async () => (await import('./processors/tenant/factory.ts')).tenantProcessorFactory),
  entry('processor', 'redaction', async () => (await import('./processors/redaction/factory.ts')).redactionProcessorFactory),
  entry('processor', 'routing', async () => (await import('./processors/routing/index.ts')).routingProcessorFactory),
  entry('processor', 'cardinality_limit', async () => (await import('./processors/cardinality_limit/factory.ts')).cardinalityLimitProcessorFactory),
  entry('processor', 'adaptive_sampling', async () => (await import('./processors/adaptive_sampling/factory.ts')).adaptiveSamplingProcessorFactory),
  entry('processor', 'attributes', async () => (await import('./processors/attributes/factory.ts')).attributesProcessorFactory),
  entry('processor', 'resource', async () => (await import('./processors/resource/factory.ts')).resourceProcessorFactory),
  entry('processor', 'filter', async () => (await import('./processors/filter/factory.ts')).filterProcessorFactory),
  entry('processor', 'transform', async () => (await import('./processors/transform/factory.ts')).transformProcessorFactory),
  entry('processor', 'probabilistic_sampler', async () => (await import('./processors/probabilistic_sampler/index.ts')).probabilisticSamplerProcessorFactory),
  entry('processor', 'resourcedetection', async () => (await import('./processors/resourcedetection/index.ts')).resourceDetectionProcessorFactory),
  entry('exporter', 'otlp', async () => (await import('./exporters/otlp/index.ts')).otlpGrpcExporterFactory, ['otlp_grpc']),
  entry('exporter', 'otlphttp', async () => (await import('./exporters/otlphttp/index.ts')).otlpHttpExporterFactory, ['otlp_http']),
  entry('exporter', 'file', async () => (await import('./exporters/file/index.ts')).fileExporterFactory),
  entry('exporter', 'debug', async () => (await import('./exporters/debug/index.ts')).debugExporterFactory, ['logging']),
  entry('exporter', 'loadbalancing', async () => (await import('./exporters/loadbalancing/index.ts')).loadBalancingExporterFactory, ['load_balancing']),
  entry('exporter', 'prometheusremotewrite', async () => (await import('./exporters/prometheusremotewrite/factory.ts')).prometheusRemoteWriteExporterFactory),
  entry('connector', 'forward', async () => (await import('./connectors/forward/index.ts')).forwardConnectorFactory),
  entry('connector', 'spanmetrics', async () => (await import('./connectors/spanmetrics/index.ts')).spanMetricsConnectorFactory),
  entry('connector', 'count', async () => (await import('./connectors/count/index.ts')).countConnectorFactory),
  entry('connector', 'routing', async () => (await import('./connectors/routing/index.ts')).routingConnectorFactory),
  entry('extension', 'health_check', async () => (await import('./extensions/health_check/index.ts')).healthCheckExtensionFactory),
  entry('extension', 'bearertokenauth', async () => (await import('./extensions/bearertokenauth/factory.ts')).bearerTokenAuthExtensionFactory),
  entry('extension', 'file_storage', async () => (await import('./extensions/file_storage/index.ts')).fileStorageExtensionFactory),
  entry('extension', 'status_page', async () => (await import('./extensions/status_page/index.ts')).statusPageExtensionFactory),
  entry('extension', 'basicauth', async () => (await import('./extensions/basicauth/index.ts')).basicAuthExtensionFactory),
  entry('extension', 'headers_setter', async () => (await import('./extensions/headers_setter/index.ts')).headersSetterExtensionFactory),
  entry('extension', 'zpages', async () => (await import('./extensions/zpages/index.ts')).zpagesExtensionFactory),
];

/** The config sections that name components, and the kind each holds. */
const SECTION_KINDS = [
  ['receivers', 'receiver'],
  ['processors', 'processor'],
  ['exporters', 'exporter'],
  ['connectors', 'connector'],
  ['extensions', 'extension'],
] as const;

/** Every component, loaded (the `components` command, tests). */
export async function loadAllComponents(): Promise<AnyFactory[]> {
  return Promise.all(CATALOG.map((component) => component.load()));
}

/**
 * A registry for one merged raw config: the components it defines are loaded, the others stay
 * names (for the "did you mean" of an unknown type). Anything malformed is left to parseConfig,
 * which reports it with its path.
 */
export async function registryFor(raw: Record<string, unknown>): Promise<Registry> {
  const wanted = new Set<CatalogEntry>();
  for (const [section, kind] of SECTION_KINDS) {
    const components = raw[section];
    if (typeof components !== 'object' || components === null || Array.isArray(components)) continue;
    for (const id of Object.keys(components)) {
      const { type } = parseComponentId(id);
      const found = CATALOG.find((component) => component.kind === kind && (component.type === type || component.aliases?.includes(type)));
      if (found !== undefined) wanted.add(found);
    }
  }
  // In catalog order, so the registry does not depend on the order of the config's keys.
  const loaded = await Promise.all(CATALOG.filter((component) => wanted.has(component)).map((component) => component.load()));
  return new Registry(loaded, CATALOG);
}
