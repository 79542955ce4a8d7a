import { z } from 'zod';

// The Collector's `resource` processor shape: a list of actions on resource attributes. Sluice
// implements the actions that need no other attribute (insert, update, upsert, delete); the
// others fail validation with a reason rather than doing nothing.

const IMPLEMENTED = ['insert', 'update', 'upsert', 'delete'] as const;
const NOT_IMPLEMENTED = ['hash', 'extract', 'convert'];

const actionSchema = z
  .strictObject({
    key: z.string().min(1),
    /** The value written by insert, update and upsert. */
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    action: z.string().superRefine((action, ctx) => {
      if ((IMPLEMENTED as readonly string[]).includes(action)) return;
      ctx.addIssue({
        code: 'custom',
        message: NOT_IMPLEMENTED.includes(action)
          ? `action "${action}" is not implemented in Sluice; use ${IMPLEMENTED.join(', ')}`
          : `unknown action "${action}" (use ${IMPLEMENTED.join(', ')})`,
      });
    }),
    from_attribute: z.unknown().optional().superRefine((v, ctx) => {
      if (v !== undefined) ctx.addIssue({ code: 'custom', message: 'from_attribute is not implemented in Sluice; give a value' });
    }),
  })
  .superRefine((a, ctx) => {
    if ((IMPLEMENTED as readonly string[]).includes(a.action) && a.action !== 'delete' && a.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `action "${a.action}" needs a value` });
  });

export const resourceProcessorConfigSchema = z.strictObject({
  attributes: z.array(actionSchema).min(1),
});

export type ResourceProcessorConfig = z.output<typeof resourceProcessorConfigSchema>;
export type ResourceAction = ResourceProcessorConfig['attributes'][number];
