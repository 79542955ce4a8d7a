import { describe, expect, it } from 'vitest';
import { tenantConfigSchema } from '../../src/processors/tenant/config.ts';

describe('tenantConfigSchema', () => {
  it('fills every default', () => {
    expect(tenantConfigSchema.parse({})).toEqual({
      reload_interval: 2000,
      sources: ['auth', 'header', 'resource'],
      header: 'x-scope-orgid',
      resource_attribute: 'tenant.id',
      unknown_tenant: { action: 'assign_default', default_tenant: 'default' },
      on_conflict: 'overwrite',
      attributes_prefix: 'tenant.',
      quotas_enabled: false,
      max_tenant_labels: 1000,
    });
  });

  it('lower-cases the header and parses durations', () => {
    expect(tenantConfigSchema.parse({ header: 'X-Scope-OrgID', reload_interval: '500ms' })).toMatchObject({
      header: 'x-scope-orgid',
      reload_interval: 500,
    });
  });

  it('reports every problem with its path', () => {
    const result = tenantConfigSchema.safeParse({
      sourcez: ['auth'],
      sources: ['header', 'auth'],
      unknown_tenant: { action: 'drop', default_tenant: 'a b' },
      on_conflict: 'ignore',
      max_tenant_labels: 0,
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['', 'sources', 'unknown_tenant.action', 'unknown_tenant.default_tenant', 'on_conflict', 'max_tenant_labels']),
    );
    expect(result.error!.issues.find((i) => i.path.join('.') === 'sources')!.message).toMatch(/auth must come first/);
  });

  it('rejects duplicate sources and quotas without a table', () => {
    expect(tenantConfigSchema.safeParse({ sources: ['header', 'header'] }).success).toBe(false);
    const noTable = tenantConfigSchema.safeParse({ quotas_enabled: true });
    expect(noTable.error?.issues[0]).toMatchObject({ path: ['quotas_enabled'], message: 'quotas need a tenants_file' });
    expect(tenantConfigSchema.safeParse({ quotas_enabled: true, tenants_file: 't.yaml' }).success).toBe(true);
  });
});
