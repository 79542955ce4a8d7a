export { tenantConfigSchema, TENANT_SOURCES, type TenantConfig, type TenantSource } from './config.ts';
export { TenantTable, type TenantTableListener, type TenantTableOptions } from './tenant-table.ts';
export {
  parseTenantsFile,
  type RateLimit,
  type TenantAttributeValue,
  type TenantEntry,
  type TenantQuotas,
  type TenantsFile,
} from './tenants-file.ts';
export { QuotaLimiter, type QuotaResult } from './quota.ts';
export {
  decideTenant,
  readResourceTenant,
  resolveTenant,
  type DecideConfig,
  type Resolution,
  type ResolveConfig,
  type ResolveContext,
  type TenantDecision,
  type TenantLookup,
} from './resolve.ts';
export { enrichResource, type EnrichConfig } from './enrich.ts';
export { OVERFLOW_TENANT_LABEL, TenantLabels } from '../../core/tenant-labels.ts';
