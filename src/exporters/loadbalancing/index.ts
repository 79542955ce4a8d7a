export { loadBalancingExporterFactory } from './factory.ts';
export { loadBalancingExporterConfigSchema, type LoadBalancingExporterConfig, type RoutingKey } from './config.ts';
export { LoadBalancingExporter, routingRule, type BackendExporterFactory } from './loadbalancing.ts';
export { HashRing } from './ring.ts';
export { DnsResolver, StaticResolver, type BackendResolver } from './resolver.ts';
