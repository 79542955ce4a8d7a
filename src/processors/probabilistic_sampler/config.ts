import { z } from 'zod';

// The Collector's probabilisticsamplerprocessor settings, with its defaults. `mode` left unset
// picks as the Collector does: hash_seed when a seed is set (or, for logs, when randomness comes
// from a record attribute), proportional otherwise.

export const samplerModeSchema = z.enum(['proportional', 'equalizing', 'hash_seed']);
export type SamplerMode = z.output<typeof samplerModeSchema>;

export const probabilisticSamplerConfigSchema = z
  .strictObject({
    sampling_percentage: z.number().finite().min(0, 'must be between 0 and 100 (values above 100 keep everything)'),
    hash_seed: z.number().int().min(0).max(0xffffffff).default(0),
    mode: samplerModeSchema.optional(),
    fail_closed: z.boolean().default(true),
    sampling_precision: z.number().int().min(1).max(14).default(4),
    // Logs only.
    attribute_source: z.enum(['traceID', 'record']).default('traceID'),
    from_attribute: z.string().default(''),
    sampling_priority: z.string().default(''),
  })
  .superRefine((c, ctx) => {
    if (c.sampling_percentage > 0 && c.sampling_percentage / 100 < 2 ** -56) {
      ctx.addIssue({ code: 'custom', path: ['sampling_percentage'], message: 'is below the smallest probability a 56-bit threshold can express (2^-56)' });
    }
    if (c.attribute_source === 'record' && c.from_attribute === '') {
      ctx.addIssue({ code: 'custom', path: ['from_attribute'], message: 'attribute_source: record needs from_attribute (the log record attribute to hash)' });
    }
  });

export type ProbabilisticSamplerConfig = z.output<typeof probabilisticSamplerConfigSchema>;
