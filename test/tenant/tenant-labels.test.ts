import { describe, expect, it } from 'vitest';
import { OVERFLOW_TENANT_LABEL, TenantLabels } from '../../src/core/tenant-labels.ts';

describe('TenantLabels', () => {
  it('keeps the first N tenants and folds the rest into __overflow__', () => {
    const labels = new TenantLabels(2);
    expect(labels.label('a')).toBe('a');
    expect(labels.label('b')).toBe('b');
    expect(labels.label('c')).toBe(OVERFLOW_TENANT_LABEL);
    expect(labels.label('a')).toBe('a');
    expect(labels.label('b')).toBe('b');
    expect(labels.label('d')).toBe('__overflow__');
    expect(labels.size).toBe(2);
  });

  it('defaults to 1000 labels', () => {
    const labels = new TenantLabels();
    for (let i = 0; i < 1000; i++) expect(labels.label(`t${i}`)).toBe(`t${i}`);
    expect(labels.label('t1000')).toBe('__overflow__');
  });
});
