import { describe, expect, it } from 'vitest';
import { tenantConfigSchema } from '../../src/processors/tenant/config.ts';
import { decideTenant, readResourceTenant, resolveTenant } from '../../src/processors/tenant/resolve.ts';
import { parseTenantsFile } from '../../src/processors/tenant/tenants-file.ts';
import type { Resource } from '../../src/otlp/types.ts';

const defaults = tenantConfigSchema.parse({});
const table = parseTenantsFile('tenants: [{ id: acme }, { id: globex }, { id: default }, { id: frozen, enabled: false }]').tenants;
const lookup = (id: string) => table.get(id);

describe('resolveTenant', () => {
  it('takes the authenticated principal first', () => {
    expect(resolveTenant({ principal: 'acme', headers: {}, resourceTenant: undefined }, defaults)).toEqual({
      tenant: 'acme',
      source: 'auth',
      conflict: false,
    });
  });

  it('flags a header or resource claim that differs from the principal, keeping the principal', () => {
    expect(resolveTenant({ principal: 'acme', headers: { 'x-scope-orgid': 'globex' } }, defaults)).toEqual({
      tenant: 'acme',
      source: 'auth',
      conflict: true,
    });
    expect(resolveTenant({ principal: 'acme', headers: {}, resourceTenant: 'globex' }, defaults)).toMatchObject({ tenant: 'acme', conflict: true });
    expect(resolveTenant({ principal: 'acme', headers: { 'x-scope-orgid': 'acme' }, resourceTenant: 'acme' }, defaults)).toMatchObject({
      conflict: false,
    });
  });

  it('falls back to the header, then the resource attribute, without auth', () => {
    expect(resolveTenant({ headers: { 'x-scope-orgid': ' globex ' }, resourceTenant: 'acme' }, defaults)).toEqual({
      tenant: 'globex',
      source: 'header',
      conflict: false,
    });
    expect(resolveTenant({ headers: { 'x-scope-orgid': '' }, resourceTenant: 'acme' }, defaults)).toEqual({
      tenant: 'acme',
      source: 'resource',
      conflict: false,
    });
    expect(resolveTenant({ headers: {} }, defaults)).toEqual({ tenant: undefined, source: 'none', conflict: false });
  });

  it('follows the configured order and header name', () => {
    const config = tenantConfigSchema.parse({ sources: ['resource', 'header'], header: 'X-Tenant' });
    expect(resolveTenant({ principal: 'acme', headers: { 'x-tenant': 'globex' }, resourceTenant: 'initech' }, config)).toEqual({
      tenant: 'initech',
      source: 'resource',
      conflict: false,
    });
    expect(resolveTenant({ headers: { 'x-tenant': 'globex', 'x-scope-orgid': 'acme' } }, config)).toMatchObject({ tenant: 'globex' });
  });

  it('resolves per resource when there is no auth', () => {
    const resources: Resource[] = ['acme', 'globex'].map((id) => ({
      attributes: [{ key: 'tenant.id', value: { stringValue: id } }],
      droppedAttributesCount: 0,
      entityRefs: [],
    }));
    const tenants = resources.map((r) => resolveTenant({ headers: {}, resourceTenant: readResourceTenant(r, 'tenant.id') }, defaults).tenant);
    expect(tenants).toEqual(['acme', 'globex']);
    const withAuth = resources.map((r) => resolveTenant({ principal: 'acme', headers: {}, resourceTenant: readResourceTenant(r, 'tenant.id') }, defaults));
    expect(withAuth.map((r) => [r.tenant, r.conflict])).toEqual([
      ['acme', false],
      ['acme', true],
    ]);
  });

  it('reads only string resource attributes', () => {
    const r: Resource = { attributes: [{ key: 'tenant.id', value: { intValue: 7n } }], droppedAttributesCount: 0, entityRefs: [] };
    expect(readResourceTenant(r, 'tenant.id')).toBeUndefined();
    expect(readResourceTenant(undefined, 'tenant.id')).toBeUndefined();
  });
});

describe('decideTenant', () => {
  it('accepts a known tenant with its entry', () => {
    const d = decideTenant({ tenant: 'acme', source: 'header', conflict: false }, lookup, defaults);
    expect(d).toMatchObject({ ok: true, tenant: 'acme', source: 'header', conflict: false });
    expect(d.ok && d.entry?.id).toBe('acme');
  });

  it('overwrites on conflict by default, rejects under on_conflict=reject', () => {
    const resolution = resolveTenant({ principal: 'acme', headers: { 'x-scope-orgid': 'globex' } }, defaults);
    expect(decideTenant(resolution, lookup, defaults)).toMatchObject({ ok: true, tenant: 'acme', conflict: true });
    const strict = tenantConfigSchema.parse({ on_conflict: 'reject' });
    expect(decideTenant(resolution, lookup, strict)).toEqual({ ok: false, reason: 'conflict', claimed: 'acme' });
  });

  it('assigns the default tenant to unknown, missing and malformed claims', () => {
    for (const tenant of ['stranger', undefined, 'a/b', 'x|y', '..']) {
      const d = decideTenant({ tenant, source: tenant === undefined ? 'none' : 'header', conflict: false }, lookup, defaults);
      expect(d).toMatchObject({ ok: true, tenant: 'default', source: 'default' });
    }
  });

  it('rejects unknown tenants under action=reject', () => {
    const strict = tenantConfigSchema.parse({ unknown_tenant: { action: 'reject' } });
    expect(decideTenant({ tenant: 'stranger', source: 'header', conflict: false }, lookup, strict)).toEqual({
      ok: false,
      reason: 'unknown',
      claimed: 'stranger',
    });
    expect(decideTenant({ tenant: undefined, source: 'none', conflict: false }, lookup, strict)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('rejects a disabled tenant, also when it is the default', () => {
    expect(decideTenant({ tenant: 'frozen', source: 'auth', conflict: false }, lookup, defaults)).toEqual({
      ok: false,
      reason: 'disabled',
      claimed: 'frozen',
    });
    const config = tenantConfigSchema.parse({ unknown_tenant: { default_tenant: 'frozen' } });
    expect(decideTenant({ tenant: 'stranger', source: 'header', conflict: false }, lookup, config)).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('accepts any well-formed id without a table, and still refuses malformed ones', () => {
    expect(decideTenant({ tenant: 'anyone', source: 'header', conflict: false }, null, defaults)).toEqual({
      ok: true,
      tenant: 'anyone',
      entry: undefined,
      source: 'header',
      conflict: false,
    });
    expect(decideTenant({ tenant: 'has space', source: 'header', conflict: false }, null, defaults)).toMatchObject({ tenant: 'default' });
  });
});
