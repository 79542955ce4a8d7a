import { isValidTenantId } from '../../core/tenant-id.ts';
import type { Resource } from '../../otlp/types.ts';
import type { TenantConfig, TenantSource } from './config.ts';
import type { TenantEntry } from './tenants-file.ts';

// Tenant resolution in two pure steps, run per resource (one request may carry resources
// claiming different tenants when there is no auth):
// 1. resolveTenant: which claim wins, by the configured source order, and whether a claim
//    contradicts the authenticated principal;
// 2. decideTenant: the policies (conflict, unknown, disabled) against the tenant table.

export interface ResolveContext {
  /** The authenticated tenant (TokenStore principal), when auth ran. */
  principal?: string;
  /** Request headers or gRPC metadata, lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** The resource's tenant attribute (see readResourceTenant). */
  resourceTenant?: string;
}

export interface Resolution {
  /** The winning claim, as sent (not validated; decideTenant does that). */
  tenant?: string;
  source: TenantSource | 'none';
  /** A header or resource claim differs from the authenticated principal. */
  conflict: boolean;
}

export type ResolveConfig = Pick<TenantConfig, 'sources' | 'header'>;

export function resolveTenant(ctx: ResolveContext, config: ResolveConfig): Resolution {
  const sources = config.sources;
  let tenant: string | undefined;
  let source: TenantSource | 'none' = 'none';
  let conflict = false;
  const principal = sources[0] === 'auth' ? nonEmpty(ctx.principal) : undefined;
  for (let i = 0; i < sources.length; i++) {
    const claim = claimFrom(sources[i], ctx, config.header);
    if (claim === undefined) continue;
    if (tenant === undefined) {
      tenant = claim;
      source = sources[i];
    }
    if (principal !== undefined && claim !== principal) conflict = true;
    // Without a principal there is nothing to contradict, so the first claim settles it.
    if (principal === undefined) break;
  }
  return { tenant, source, conflict };
}

function claimFrom(source: TenantSource, ctx: ResolveContext, header: string): string | undefined {
  if (source === 'auth') return nonEmpty(ctx.principal);
  if (source === 'resource') return nonEmpty(ctx.resourceTenant);
  const value = ctx.headers[header];
  // A repeated header joins the way Node joins it; the comma then fails validation.
  return nonEmpty(Array.isArray(value) ? value.join(', ') : value);
}

function nonEmpty(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed.length === 0 ? undefined : trimmed;
}

/** The string value of the resource's tenant attribute, if any. */
export function readResourceTenant(resource: Resource | undefined, attribute: string): string | undefined {
  if (resource === undefined) return undefined;
  const attributes = resource.attributes;
  for (let i = 0; i < attributes.length; i++) {
    if (attributes[i].key === attribute) return attributes[i].value.stringValue;
  }
  return undefined;
}

/**
 * Looks a tenant up in the table. `null` means there is no table: every well-formed id is
 * accepted, with no attributes and no quotas.
 */
export type TenantLookup = ((id: string) => TenantEntry | undefined) | null;

export type TenantDecision =
  | {
      ok: true;
      tenant: string;
      /** The table entry; undefined without a table or for an unlisted default tenant. */
      entry: TenantEntry | undefined;
      source: TenantSource | 'default';
      conflict: boolean;
    }
  | {
      ok: false;
      /**
       * conflict: on_conflict=reject and a claim contradicts the principal (403);
       * disabled: the tenant is marked enabled=false (403);
       * unknown: unknown_tenant.action=reject (reject this resource's items as partial success).
       */
      reason: 'conflict' | 'disabled' | 'unknown';
      /** The claim that was refused; may be malformed, so log it escaped or not at all. */
      claimed: string | undefined;
    };

export type DecideConfig = Pick<TenantConfig, 'on_conflict' | 'unknown_tenant'>;

export function decideTenant(resolution: Resolution, lookup: TenantLookup, config: DecideConfig): TenantDecision {
  const claimed = resolution.tenant;
  if (resolution.conflict && config.on_conflict === 'reject') return { ok: false, reason: 'conflict', claimed };
  if (claimed !== undefined && isValidTenantId(claimed)) {
    const entry = lookup === null ? undefined : lookup(claimed);
    if (lookup === null || entry !== undefined) {
      return accept(claimed, entry, resolution.source as TenantSource, resolution.conflict);
    }
  }
  if (config.unknown_tenant.action === 'reject') return { ok: false, reason: 'unknown', claimed };
  const fallback = config.unknown_tenant.default_tenant;
  return accept(fallback, lookup === null ? undefined : lookup(fallback), 'default', resolution.conflict);
}

function accept(
  tenant: string,
  entry: TenantEntry | undefined,
  source: TenantSource | 'default',
  conflict: boolean,
): TenantDecision {
  if (entry !== undefined && !entry.enabled) return { ok: false, reason: 'disabled', claimed: tenant };
  return { ok: true, tenant, entry, source, conflict };
}
