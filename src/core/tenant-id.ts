import { z } from 'zod';

// The tenant id grammar of Grafana Mimir, Loki and Tempo: at most 150 bytes of
// [A-Za-z0-9!-_.*'()], and neither `.` nor `..` (they would be path traversal in object
// storage). Sluice forwards the tenant as X-Scope-OrgID, so any id it accepts must be one those
// backends accept too. `|` is deliberately excluded: Mimir reads it as a multi-tenant query.

const TENANT_ID = /^[A-Za-z0-9!\-_.*'()]{1,150}$/;

/** True when `id` is a tenant id Sluice accepts and may forward as X-Scope-OrgID. */
export function isValidTenantId(id: string): boolean {
  return TENANT_ID.test(id) && id !== '.' && id !== '..';
}

export const tenantIdSchema = z
  .string()
  .refine(isValidTenantId, "tenant id must be 1-150 characters of A-Z a-z 0-9 ! - _ . * ' ( ), and not . or ..");
