import { z } from 'zod';
import { duration } from '../../config/units.ts';
import { tenantIdSchema } from '../../core/tenant-id.ts';

export const TENANT_SOURCES = ['auth', 'header', 'resource'] as const;
export type TenantSource = (typeof TENANT_SOURCES)[number];

const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

const sourcesSchema = z
  .array(z.enum(TENANT_SOURCES))
  .min(1)
  .refine((list) => new Set(list).size === list.length, 'each source may appear once')
  // A client-supplied header or attribute must never outrank an authenticated principal.
  .refine((list) => !list.includes('auth') || list[0] === 'auth', 'auth must come first when listed')
  .default(['auth', 'header', 'resource']);

export const tenantConfigSchema = z
  .strictObject({
    /** YAML tenant table; without it every well-formed tenant id is accepted, with no quotas or attributes. */
    tenants_file: z.string().min(1).optional(),
    /** Poll interval for tenants_file changes (fs.watch is the fast path); 0 disables polling. */
    reload_interval: duration('2s'),
    /** Where the tenant comes from, first match wins. */
    sources: sourcesSchema,
    /** Request header naming the tenant (Mimir/Loki/Tempo convention). */
    header: headerName.default('x-scope-orgid'),
    /** Resource attribute naming the tenant; also the attribute enrichment writes. */
    resource_attribute: z.string().min(1).default('tenant.id'),
    unknown_tenant: z
      .strictObject({
        /** What to do when no tenant is found, the id is malformed, or it is not in the table. */
        action: z.enum(['assign_default', 'reject']).default('assign_default'),
        default_tenant: tenantIdSchema.default('default'),
      })
      .prefault({}),
    /** A header or resource claim that differs from the authenticated principal. */
    on_conflict: z.enum(['overwrite', 'reject']).default('overwrite'),
    /** Prefix for tenant-table attributes written onto resources. */
    attributes_prefix: z.string().default('tenant.'),
    /** Enforce the table's quotas. */
    quotas_enabled: z.boolean().default(false),
    /** Distinct tenant label values in self-metrics before folding into `__overflow__`. */
    max_tenant_labels: z.int().positive().default(1000),
  })
  .superRefine((config, ctx) => {
    if (config.quotas_enabled && config.tenants_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['quotas_enabled'], message: 'quotas need a tenants_file' });
    }
  });

export type TenantConfig = z.output<typeof tenantConfigSchema>;
