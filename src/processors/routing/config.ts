import { z } from 'zod';

const routeSchema = z
  .object({
    tenants: z.array(z.string().min(1)).min(1),
    exporters: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const routingConfigSchema = z
  .object({
    /** First matching route wins. */
    table: z.array(routeSchema).default([]),
    /** Where batches of tenants no route names go; empty drops them (counted as outgoing 0). */
    default_exporters: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type RoutingConfig = z.output<typeof routingConfigSchema>;
