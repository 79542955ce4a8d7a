import { describe, expect, it } from 'vitest';
import { tenantConfigSchema } from '../../src/processors/tenant/config.ts';
import { enrichResource } from '../../src/processors/tenant/enrich.ts';
import { parseTenantsFile } from '../../src/processors/tenant/tenants-file.ts';
import type { Resource } from '../../src/otlp/types.ts';

const acme = parseTenantsFile('tenants: [{ id: acme, attributes: { tier: gold, cost_center: cc-12, id: spoof } }]').tenants.get('acme')!;

function resource(): Resource {
  return {
    attributes: [
      { key: 'service.name', value: { stringValue: 'checkout' } },
      { key: 'tenant.id', value: { stringValue: 'globex' } },
      { key: 'tenant.tier', value: { stringValue: 'platinum' } },
      { key: 'tier', value: { stringValue: 'app-own' } },
    ],
    droppedAttributesCount: 2,
    entityRefs: [{ schemaUrl: '', type: 'service', idKeys: ['service.name'], descriptionKeys: [] }],
  };
}

describe('enrichResource', () => {
  it('writes tenant.id and prefixed table attributes, replacing existing values, leaving the input untouched', () => {
    const input = resource();
    const snapshot = structuredClone(input);
    const out = enrichResource(input, acme, tenantConfigSchema.parse({}));
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
    expect(out.attributes).not.toBe(input.attributes);
    expect(out.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'checkout' } },
      { key: 'tier', value: { stringValue: 'app-own' } },
      { key: 'tenant.tier', value: { stringValue: 'gold' } },
      { key: 'tenant.cost_center', value: { stringValue: 'cc-12' } },
      // The table's `id` attribute would collide with tenant.id: the tenant id wins.
      { key: 'tenant.id', value: { stringValue: 'acme' } },
    ]);
    expect(out.droppedAttributesCount).toBe(2);
    expect(out.entityRefs).toEqual(input.entityRefs);
    expect(out.entityRefs).not.toBe(input.entityRefs);
  });

  it('writes table attributes as-is with an empty prefix', () => {
    const out = enrichResource(resource(), acme, tenantConfigSchema.parse({ attributes_prefix: '' }));
    const keys = out.attributes.map((a) => a.key);
    expect(keys).toEqual(['service.name', 'tenant.tier', 'tier', 'cost_center', 'id', 'tenant.id']);
    expect(out.attributes.find((a) => a.key === 'tier')!.value).toEqual({ stringValue: 'gold' });
  });

  it('builds a resource when there is none, and accepts a bare { id }', () => {
    const out = enrichResource(undefined, { id: 'solo' }, tenantConfigSchema.parse({ resource_attribute: 'org' }));
    expect(out).toEqual({ attributes: [{ key: 'org', value: { stringValue: 'solo' } }], droppedAttributesCount: 0, entityRefs: [] });
  });

  it('reflects a config change for the same entry', () => {
    enrichResource(undefined, acme, tenantConfigSchema.parse({}));
    const out = enrichResource(undefined, acme, tenantConfigSchema.parse({ attributes_prefix: 'org.' }));
    expect(out.attributes.map((a) => a.key)).toEqual(['org.tier', 'org.cost_center', 'org.id', 'tenant.id']);
  });
});

describe('enrichResource with an authenticated tenant', () => {
  it('removes every client attribute under the trusted prefix, defined by the table or not', () => {
    const input = resource();
    input.attributes.push({ key: 'tenant.plan', value: { stringValue: 'enterprise' } }, { key: 'tenantx', value: { stringValue: 'kept' } });
    const out = enrichResource(input, acme, tenantConfigSchema.parse({}), true);
    expect(out.attributes.map((a) => [a.key, a.value.stringValue])).toEqual([
      ['service.name', 'checkout'],
      ['tier', 'app-own'],
      ['tenantx', 'kept'],
      ['tenant.tier', 'gold'],
      ['tenant.cost_center', 'cc-12'],
      ['tenant.id', 'acme'],
    ]);
  });

  it('keeps an unauthenticated client’s own prefixed attributes that the table does not define', () => {
    const input = resource();
    input.attributes.push({ key: 'tenant.plan', value: { stringValue: 'enterprise' } });
    expect(enrichResource(input, acme, tenantConfigSchema.parse({})).attributes.map((a) => a.key)).toContain('tenant.plan');
  });

  it('with an empty prefix, replaces only the table’s keys', () => {
    const out = enrichResource(resource(), acme, tenantConfigSchema.parse({ attributes_prefix: '' }), true);
    expect(out.attributes.map((a) => a.key)).toEqual(['service.name', 'tenant.tier', 'tier', 'cost_center', 'id', 'tenant.id']);
  });
});
