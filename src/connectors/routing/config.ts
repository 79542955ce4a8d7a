import { z } from 'zod';
import { compileGroup } from '../../ottl/program.ts';

// The Collector's routing connector, by its names: a table of routes to pipelines, first match
// wins, and `default_pipelines` for the rest. A route matches by an OTTL `condition` on each
// resource (context `resource`, the Collector's default) or, Sluice's addition, by the batch's
// `tenants` (request metadata, the project's tenant convention).

const routeSchema = z
  .object({
    condition: z.string().min(1).optional(),
    tenants: z.array(z.string().min(1)).min(1).optional(),
    /** Only `resource` (the default) is implemented; other contexts are refused. */
    context: z.literal('resource', { message: 'only context "resource" is supported by Sluice yet' }).default('resource'),
    /** The Collector's `statement` form (`route() where …`) is refused: write `condition`. */
    statement: z.unknown().optional(),
    pipelines: z.array(z.string().min(1)).min(1),
  })
  .strict()
  .superRefine((route, ctx) => {
    if (route.statement !== undefined) ctx.addIssue({ code: 'custom', path: ['statement'], message: 'the statement form is not supported by Sluice; write the condition after "where" as `condition`' });
    if ((route.condition === undefined) === (route.tenants === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'a route needs exactly one of condition and tenants' });
    if (route.condition === undefined) return;
    // Resource paths are the same for every signal, so one compile checks it for all.
    const { problems } = compileGroup('condition', 'traces', { path: ['condition'], texts: [route.condition], context: 'resource' });
    for (const problem of problems) ctx.addIssue({ code: 'custom', path: ['condition'], message: problem.message });
  });

export const routingConfigSchema = z
  .object({
    table: z.array(routeSchema).min(1),
    /** Where what no route matches goes; empty drops it. */
    default_pipelines: z.array(z.string().min(1)).default([]),
    /** propagate refuses a batch whose condition fails to evaluate; ignore treats it as no match. */
    error_mode: z.enum(['propagate', 'ignore', 'silent']).default('propagate'),
  })
  .strict();

export type RoutingConnectorConfig = z.output<typeof routingConfigSchema>;
