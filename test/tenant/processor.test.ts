import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { decodeTraces, encodeTraces } from '../../src/otlp/protobuf.ts';
import { tenantConfigSchema } from '../../src/processors/tenant/config.ts';
import { TenantProcessor } from '../../src/processors/tenant/processor.ts';
import { attrs, span, tracesRequest } from '../support/otlp.ts';
import { makeTempDir, saveByRename } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function oneSpanRequest(): Uint8Array {
  const one = span([], { traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), name: 'GET /' });
  return encodeTraces(tracesRequest([one], attrs({ 'service.name': 'shop' })));
}

describe('tenant processor accounting', () => {
  test('a claim conflict is counted once even when the byte fast path hands over to the per-resource path', async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const tenantsFile = join(dir, 'tenants.yaml');
    await writeFile(tenantsFile, 'tenants:\n  - id: acme\n');
    const telemetry = new Telemetry();
    const config = tenantConfigSchema.parse({ tenants_file: tenantsFile, unknown_tenant: { action: 'reject' }, reload_interval: '0s' });
    const processor = new TenantProcessor(config, 'traces', { consume: async () => {} }, telemetry, pino({ level: 'silent' }));
    await processor.start();
    cleanups.push(async () => processor.shutdown());
    // Authenticated as a tenant missing from the table (unknown: the fast path gives up), while
    // the header claims another: one conflict.
    const metadata = { ...internalMetadata(), principal: 'ghost', headers: { 'x-scope-orgid': 'acme' } };
    const batch = Batch.fromBytes('traces', oneSpanRequest(), 1, metadata);
    expect(await processor.process(batch)).toBeNull();
    const page = telemetry.render();
    expect(page).toMatch(/sluice_tenant_claim_conflicts_total\{tenant="ghost",signal="traces",action="overwrite"\} 1\n/);
    expect(page).toMatch(/sluice_tenant_refused_items_total\{tenant="unknown",signal="traces",reason="unknown"\} 1\n/);
  });
});

describe('the fast path remembers the last resource it rewrote', () => {
  const resourceOf = (batch: Batch | null) => {
    const attributes = decodeTraces(batch!.bytes()).resourceSpans[0].resource!.attributes;
    return Object.fromEntries(attributes.map((kv) => [kv.key, kv.value.stringValue]));
  };

  test('the same resource bytes with another claim, another principal, or after a table reload, are decided again', async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const tenantsFile = join(dir, 'tenants.yaml');
    await writeFile(tenantsFile, 'tenants:\n  - id: acme\n    attributes: { tier: gold }\n  - id: globex\n');
    const telemetry = new Telemetry();
    const config = tenantConfigSchema.parse({ tenants_file: tenantsFile, reload_interval: '50ms' });
    const processor = new TenantProcessor(config, 'traces', { consume: async () => {} }, telemetry, pino({ level: 'silent' }));
    await processor.start();
    cleanups.push(async () => processor.shutdown());
    const send = (metadata: Partial<ReturnType<typeof internalMetadata>>) =>
      processor.process(Batch.fromBytes('traces', oneSpanRequest(), 1, { ...internalMetadata(), ...metadata }));

    const byHeader = (tenant: string) => send({ principal: undefined, headers: { 'x-scope-orgid': tenant } });
    expect(resourceOf(await byHeader('acme'))).toMatchObject({ 'service.name': 'shop', 'tenant.id': 'acme', 'tenant.tier': 'gold' });
    expect(resourceOf(await byHeader('acme'))).toMatchObject({ 'tenant.id': 'acme', 'tenant.tier': 'gold' });
    const globex = resourceOf(await byHeader('globex'));
    expect(globex['tenant.id']).toBe('globex');
    expect(globex['tenant.tier']).toBeUndefined();

    // Authenticated with a contradicting header: a conflict counted for every request, remembered or not.
    for (let i = 0; i < 3; i++) expect(resourceOf(await send({ principal: 'acme', headers: { 'x-scope-orgid': 'globex' } }))['tenant.id']).toBe('acme');
    expect(telemetry.render()).toMatch(/sluice_tenant_claim_conflicts_total\{tenant="acme",signal="traces",action="overwrite"\} 3\n/);

    await saveByRename(tenantsFile, 'tenants:\n  - id: acme\n    attributes: { tier: silver }\n  - id: globex\n');
    // The reload is noticed by the file watch or the 50 ms poll: asked until it shows, not timed.
    let tier: string | undefined;
    for (let i = 0; i < 150 && tier !== 'silver'; i++) {
      tier = resourceOf(await byHeader('acme'))['tenant.tier'];
      if (tier !== 'silver') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(tier).toBe('silver');
  });
});
