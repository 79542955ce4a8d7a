// What the tenant processor adds per span, with auth on, against the same batch passing
// through without it. Target: ≤ 0.3 µs per span; it must touch resources, not spans.
//   node_modules/.bin/node benchmarks/tenant.bench.ts [--write]
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { pino } from 'pino';
import { Batch } from '../src/core/batch.ts';
import { newOutcome, type RequestMetadata } from '../src/core/metadata.ts';
import { Telemetry } from '../src/core/telemetry.ts';
import { scanRequest } from '../src/otlp/protobuf.ts';
import { tenantConfigSchema } from '../src/processors/tenant/config.ts';
import { TenantProcessor } from '../src/processors/tenant/processor.ts';
import { typicalSpans } from '../test/otlp/sdk-fixtures.ts';
import { machine } from './support/process-stats.ts';

const SPANS = 100;
const ROUNDS = 20_000;
const bytes = ProtobufTraceSerializer.serializeRequest(await typicalSpans(SPANS))!;
const dir = mkdtempSync(join(tmpdir(), 'sluice-tenant-bench-'));
writeFileSync(join(dir, 'tenants.yaml'), 'tenants:\n  - { id: acme, attributes: { tier: gold, cost_center: cc-12, region: eu }, quotas: { spans_per_second: 1000000000 } }\n');
const config = tenantConfigSchema.parse({ tenants_file: join(dir, 'tenants.yaml'), quotas_enabled: true, reload_interval: 0 });
const processor = new TenantProcessor(config, 'traces', { consume: async () => {} }, new Telemetry(), pino({ level: 'silent' }));
await processor.start();

function metadata(): RequestMetadata {
  return { tenant: undefined, principal: 'acme', clientAddress: '127.0.0.1', headers: { 'x-scope-orgid': 'globex' }, receivedAt: 0, transport: 'http', outcome: newOutcome() };
}

/** CPU µs per span of `round`, best of 5 runs. */
async function cpuPerSpan(round: () => unknown): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) await round();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / (ROUNDS * SPANS));
  }
  return best;
}

// Baseline: what the receiver does anyway (scan, wrap in a batch) and handing the bytes on.
const baseline = await cpuPerSpan(() => Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), metadata()).bytes());
const withTenant = await cpuPerSpan(async () => {
  const batch = Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), metadata());
  return ((await processor.process(batch)) as Batch).bytes();
});
processor.shutdown();

const table = [
  '| measure | CPU µs/span |',
  '|---|---:|',
  `| baseline: scan + batch + bytes out | ${baseline.toFixed(3)} |`,
  `| with tenant (auth principal, header claim overwritten, table attributes, quota, metering) | ${withTenant.toFixed(3)} |`,
  `| added by the tenant processor | ${(withTenant - baseline).toFixed(3)} (target ≤ 0.3) |`,
].join('\n');
console.log(table);
if (process.argv.includes('--write')) {
  appendFileSync(new URL('./RESULTS.md', import.meta.url), `\n## Tenant processor\n${new Date().toISOString()} · ${machine()} · \`node_modules/.bin/node benchmarks/tenant.bench.ts --write\` · 100-span SDK requests, one resource, best of 5 × ${ROUNDS} requests. The fast path rewrites only resource bytes.\n\n${table}\n`);
}
