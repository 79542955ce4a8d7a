import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TenantTable } from '../../src/processors/tenant/tenant-table.ts';
import { parseTenantsFile } from '../../src/processors/tenant/tenants-file.ts';
import { collectLogs, eventually, makeTempDir, saveByRename } from './helpers.ts';

const TABLE = `
defaults:
  quotas: { spans_per_second: 100, bytes_per_second: 1MiB, burst_seconds: 2 }
tenants:
  - id: acme
    attributes: { tier: gold, cost_center: cc-12, region: eu, weight: 3, ratio: 0.5, vip: true }
    quotas: { spans_per_second: 1000, log_records_per_second: { rate: 10, burst: 50 } }
  - id: globex
    enabled: false
  - id: initech
    quotas: { spans_per_second: null, bytes_per_second: null, burst_seconds: 5, metric_points_per_second: 20 }
`;

describe('parseTenantsFile', () => {
  it('merges defaults into each tenant and compiles limits', () => {
    const { tenants, defaultQuotas } = parseTenantsFile(TABLE);
    const acme = tenants.get('acme')!;
    expect(acme.enabled).toBe(true);
    expect(acme.quotas).toEqual({
      spans: { rate: 1000, burst: 2000 },
      logRecords: { rate: 10, burst: 50 },
      bytes: { rate: 1048576, burst: 2097152 },
    });
    expect(acme.attributeKeyValues).toEqual([
      { key: 'tier', value: { stringValue: 'gold' } },
      { key: 'cost_center', value: { stringValue: 'cc-12' } },
      { key: 'region', value: { stringValue: 'eu' } },
      { key: 'weight', value: { intValue: 3n } },
      { key: 'ratio', value: { doubleValue: 0.5 } },
      { key: 'vip', value: { boolValue: true } },
    ]);
    expect(tenants.get('globex')).toMatchObject({ enabled: false, quotas: { spans: { rate: 100, burst: 200 } } });
    // null lifts a default; burst_seconds applies to the tenant's own limits.
    expect(tenants.get('initech')!.quotas).toEqual({ metricPoints: { rate: 20, burst: 100 } });
    expect(defaultQuotas).toEqual({ spans: { rate: 100, burst: 200 }, bytes: { rate: 1048576, burst: 2097152 } });
  });

  it('reports every problem with its path', () => {
    const bad = `
tenants:
  - id: acme
    quotas: { spans_per_secnd: 5 }
  - id: "a/b"
  - id: ok
    quotas: { spans_per_second: -1 }
`;
    let message = '';
    try {
      parseTenantsFile(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/tenants\[0\]\.quotas: Unrecognized key: "spans_per_secnd"/);
    expect(message).toMatch(/tenants\[1\]\.id: tenant id must be/);
    expect(message).toMatch(/tenants\[2\]\.quotas\.spans_per_second/);
  });

  it('rejects duplicate ids', () => {
    expect(() => parseTenantsFile('tenants: [{ id: a }, { id: a }]')).toThrow(/tenants\[1\]\.id: duplicate tenant "a"/);
  });
});

describe('TenantTable', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let path: string;
  let table: TenantTable | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    path = join(dir, 'tenants.yaml');
    await writeFile(path, TABLE);
  });
  afterEach(async () => {
    table?.close();
    await cleanup();
  });

  it('serves entries and reloads on an editor-style save, notifying onChange', async () => {
    table = await TenantTable.open(path, { reloadIntervalMs: 50 });
    expect(table.get('acme')?.attributes.tier).toBe('gold');
    expect(table.get('nobody')).toBeUndefined();
    expect(table.size).toBe(3);
    const seen: number[] = [];
    table.onChange((t) => seen.push(t.size));
    await saveByRename(path, 'tenants:\n  - id: acme\n    attributes: { tier: silver }\n  - id: umbrella\n');
    expect(await eventually(() => table!.get('umbrella') !== undefined)).toBe(true);
    expect(table.get('acme')?.attributes.tier).toBe('silver');
    expect(table.get('globex')).toBeUndefined();
    expect(seen.at(-1)).toBe(2);
  });

  it('keeps the old table on a bad reload and logs why', async () => {
    const logs = collectLogs();
    table = await TenantTable.open(path, { reloadIntervalMs: 50 }, logs.log);
    let changes = 0;
    const unsubscribe = table.onChange(() => changes++);
    await writeFile(path, 'tenants:\n  - id: acme\n    enabled: maybe\n');
    expect(await eventually(() => logs.lines.some((l) => l.level === 'warn'))).toBe(true);
    expect(table.get('acme')?.attributes.tier).toBe('gold');
    expect(table.get('globex')).toBeDefined();
    expect(changes).toBe(0);
    expect(String(logs.lines.find((l) => l.level === 'warn')!.fields.error)).toMatch(/tenants\[0\]\.enabled/);
    unsubscribe();
    await writeFile(path, 'tenants: [{ id: fixed }]\n');
    expect(await eventually(() => table!.get('fixed') !== undefined)).toBe(true);
    expect(changes).toBe(0);
  });

  it('refuses to open an invalid table', async () => {
    await writeFile(path, 'tenants: [ { id: acme ');
    await expect(TenantTable.open(path)).rejects.toThrow(/tenants file .*invalid YAML/);
  });
});
