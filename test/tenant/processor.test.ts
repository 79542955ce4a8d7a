import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { encodeTraces } from '../../src/otlp/protobuf.ts';
import { tenantConfigSchema } from '../../src/processors/tenant/config.ts';
import { TenantProcessor } from '../../src/processors/tenant/processor.ts';
import { attrs, span, tracesRequest } from '../support/otlp.ts';
import { makeTempDir } from './helpers.ts';

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
