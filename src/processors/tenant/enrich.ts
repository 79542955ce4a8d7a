import type { KeyValue, Resource } from '../../otlp/types.ts';
import type { TenantConfig } from './config.ts';
import type { TenantEntry } from './tenants-file.ts';

export type EnrichConfig = Pick<TenantConfig, 'resource_attribute' | 'attributes_prefix'>;

/** The attributes one tenant writes, compiled once per (table entry, config). */
interface Compiled {
  readonly config: EnrichConfig;
  readonly written: readonly KeyValue[];
  readonly keys: ReadonlySet<string>;
}

// Keyed by the table entry, which a reload replaces, so stale compilations are collected.
const compiledByEntry = new WeakMap<object, Compiled>();

/**
 * A copy of `resource` carrying the tenant: the tenant's table attributes (under
 * attributes_prefix) and resource_attribute = tenant id, each replacing any value the resource
 * already had, because a client must not be able to pick its own tier or cost centre. With
 * `authenticated`, every attribute the client put under attributes_prefix goes too, defined by
 * the table or not (a made-up `tenant.plan` would otherwise pass as trusted next to the real
 * ones). The input is left untouched; untouched attributes are shared, not copied.
 */
export function enrichResource(resource: Resource | undefined, tenant: TenantEntry | { id: string }, config: EnrichConfig, authenticated = false): Resource {
  const compiled = compile(tenant, config);
  const existing = resource === undefined ? [] : resource.attributes;
  const attributes: KeyValue[] = [];
  // An empty prefix would strip everything; then only the table's own keys are replaced.
  const prefix = authenticated ? config.attributes_prefix : '';
  for (let i = 0; i < existing.length; i++) {
    const key = existing[i].key;
    if (compiled.keys.has(key) || (prefix !== '' && key.startsWith(prefix))) continue;
    attributes.push(existing[i]);
  }
  const written = compiled.written;
  for (let i = 0; i < written.length; i++) attributes.push(written[i]);
  return {
    attributes,
    droppedAttributesCount: resource === undefined ? 0 : resource.droppedAttributesCount,
    entityRefs: resource === undefined ? [] : resource.entityRefs.slice(),
  };
}

function compile(tenant: TenantEntry | { id: string }, config: EnrichConfig): Compiled {
  const cached = compiledByEntry.get(tenant);
  if (cached !== undefined && cached.config === config) return cached;
  const written: KeyValue[] = [];
  const keys = new Set<string>();
  const tableAttributes = 'attributeKeyValues' in tenant ? tenant.attributeKeyValues : [];
  for (let i = 0; i < tableAttributes.length; i++) {
    const key = config.attributes_prefix + tableAttributes[i].key;
    // The tenant id attribute is the table's key, never an attribute's.
    if (key === config.resource_attribute || keys.has(key)) continue;
    keys.add(key);
    written.push({ key, value: tableAttributes[i].value });
  }
  keys.add(config.resource_attribute);
  written.push({ key: config.resource_attribute, value: { stringValue: tenant.id } });
  const compiled: Compiled = { config, written, keys };
  compiledByEntry.set(tenant, compiled);
  return compiled;
}
