/** The label value that stands for every tenant past the limit. */
export const OVERFLOW_TENANT_LABEL = '__overflow__';

/**
 * Bounds the `tenant` label of self-metrics: the first `maxTenantLabels` distinct tenants keep
 * their id, later ones share OVERFLOW_TENANT_LABEL, so a flood of tenant ids cannot blow up
 * the metrics registry. First come, first kept, for the process lifetime.
 */
export class TenantLabels {
  readonly maxTenantLabels: number;
  #seen = new Set<string>();

  constructor(maxTenantLabels = 1000) {
    this.maxTenantLabels = maxTenantLabels;
  }

  label(tenant: string): string {
    if (this.#seen.has(tenant)) return tenant;
    if (this.#seen.size >= this.maxTenantLabels) return OVERFLOW_TENANT_LABEL;
    this.#seen.add(tenant);
    return tenant;
  }

  /** Distinct tenants holding their own label. */
  get size(): number {
    return this.#seen.size;
  }
}
