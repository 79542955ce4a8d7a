import { z } from 'zod';
import { text } from '../../config/units.ts';

// The Collector's headers_setter: sets headers on outgoing requests from fixed values or from the
// request metadata of the batch being sent (`from_context`: a request header a receiver kept,
// such as the tenant's X-Scope-OrgID), so a gateway can forward each tenant's id to its backend.

const headerRule = z
  .strictObject({
    key: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name'),
    /** A fixed value (write secrets as `${env:…}`). */
    value: text().optional(),
    /** The name of a request header kept in the batch's metadata (the receiver's metadata_headers; x-scope-orgid always). */
    from_context: z.string().min(1).optional(),
    /** Authenticator attributes: none of Sluice's authenticators has any, so this would never match. */
    from_attribute: z.string().optional(),
    /** Used when from_context finds nothing. */
    default_value: text().optional(),
    action: z.enum(['insert', 'update', 'upsert', 'delete']).default('upsert'),
  })
  .superRefine((rule, ctx) => {
    if (rule.from_attribute !== undefined) ctx.addIssue({ code: 'custom', path: ['from_attribute'], message: 'from_attribute is not supported: Sluice\'s authenticators attach no attributes; use from_context with a request header' });
    const sources = [rule.value, rule.from_context].filter((v) => v !== undefined).length;
    if (rule.action === 'delete' && sources > 0) ctx.addIssue({ code: 'custom', message: 'action delete takes no value or from_context' });
    if (rule.action !== 'delete' && sources !== 1) ctx.addIssue({ code: 'custom', message: 'set exactly one of value or from_context' });
  });

export const headersSetterConfigSchema = z.strictObject({
  headers: z.array(headerRule).min(1),
});

export type HeadersSetterConfig = z.output<typeof headersSetterConfigSchema>;
export type HeaderRule = HeadersSetterConfig['headers'][number];
