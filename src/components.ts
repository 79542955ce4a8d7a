import { otlpReceiverFactory } from './receivers/otlp/index.ts';
import { heartbeatReceiverFactory } from './receivers/heartbeat/index.ts';
import { batchProcessorFactory } from './processors/batch/index.ts';
import { memoryLimiterProcessorFactory } from './processors/memory_limiter/index.ts';
import { otlpGrpcExporterFactory } from './exporters/otlp/index.ts';
import { otlpHttpExporterFactory } from './exporters/otlphttp/index.ts';
import { fileExporterFactory } from './exporters/file/index.ts';
import { debugExporterFactory } from './exporters/debug/index.ts';
import { loadBalancingExporterFactory } from './exporters/loadbalancing/index.ts';
import { prometheusRemoteWriteExporterFactory } from './exporters/prometheusremotewrite/factory.ts';
import { healthCheckExtensionFactory } from './extensions/health_check/index.ts';
import { bearerTokenAuthExtensionFactory } from './extensions/bearertokenauth/factory.ts';
import { fileStorageExtensionFactory } from './extensions/file_storage/index.ts';
import { statusPageExtensionFactory } from './extensions/status_page/index.ts';
import { basicAuthExtensionFactory } from './extensions/basicauth/index.ts';
import { headersSetterExtensionFactory } from './extensions/headers_setter/index.ts';
import { zpagesExtensionFactory } from './extensions/zpages/index.ts';
import { tenantProcessorFactory } from './processors/tenant/factory.ts';
import { routingProcessorFactory } from './processors/routing/index.ts';
import { cardinalityLimitProcessorFactory } from './processors/cardinality_limit/factory.ts';
import { adaptiveSamplingProcessorFactory } from './processors/adaptive_sampling/factory.ts';
import { redactionProcessorFactory } from './processors/redaction/factory.ts';
import { attributesProcessorFactory } from './processors/attributes/factory.ts';
import { resourceProcessorFactory } from './processors/resource/factory.ts';
import { filterProcessorFactory } from './processors/filter/factory.ts';
import { transformProcessorFactory } from './processors/transform/factory.ts';
import { probabilisticSamplerProcessorFactory } from './processors/probabilistic_sampler/index.ts';
import { resourceDetectionProcessorFactory } from './processors/resourcedetection/index.ts';
import { forwardConnectorFactory } from './connectors/forward/index.ts';
import { spanMetricsConnectorFactory } from './connectors/spanmetrics/index.ts';
import { countConnectorFactory } from './connectors/count/index.ts';
import { routingConnectorFactory } from './connectors/routing/index.ts';
import type { AnyFactory } from './core/component.ts';
import { Registry } from './registry.ts';

/** Every component Sluice ships. Adding one is one line here. */
export const COMPONENTS: readonly AnyFactory[] = [
  otlpReceiverFactory,
  heartbeatReceiverFactory,
  batchProcessorFactory,
  memoryLimiterProcessorFactory,
  tenantProcessorFactory,
  redactionProcessorFactory,
  routingProcessorFactory,
  cardinalityLimitProcessorFactory,
  adaptiveSamplingProcessorFactory,
  attributesProcessorFactory,
  resourceProcessorFactory,
  filterProcessorFactory,
  transformProcessorFactory,
  probabilisticSamplerProcessorFactory,
  resourceDetectionProcessorFactory,
  otlpGrpcExporterFactory,
  otlpHttpExporterFactory,
  fileExporterFactory,
  debugExporterFactory,
  loadBalancingExporterFactory,
  prometheusRemoteWriteExporterFactory,
  forwardConnectorFactory,
  spanMetricsConnectorFactory,
  countConnectorFactory,
  routingConnectorFactory,
  healthCheckExtensionFactory,
  bearerTokenAuthExtensionFactory,
  fileStorageExtensionFactory,
  statusPageExtensionFactory,
  basicAuthExtensionFactory,
  headersSetterExtensionFactory,
  zpagesExtensionFactory,
];

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
