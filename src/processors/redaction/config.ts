import { z } from 'zod';
import { RE2JS } from 're2js';
import { size } from '../../config/units.ts';
import { BUILTIN_DETECTORS } from './detectors/names.ts';

// `redaction: {}` is a complete, protective config: every built-in detector on, action mask,
// no key needed. Anything that needs a hash key says so at construction (createRedactor).

const valueAction = z.enum(['mask', 'hash', 'drop_attribute', 'drop_record']);

const detectorSettings = z
  .object({
    enabled: z.boolean().default(true),
    /** Overrides the global action for this detector. */
    action: valueAction.optional(),
  })
  .strict();

const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_DETECTORS);

const detectorsSchema = z
  .record(z.string(), detectorSettings)
  .superRefine((detectors, ctx) => {
    for (const name of Object.keys(detectors)) {
      if (!BUILTIN_NAMES.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `unknown detector "${name}" (known: ${BUILTIN_DETECTORS.join(', ')})`,
        });
      }
    }
  })
  .default({});

const CUSTOM_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

const customPattern = z
  .object({
    name: z.string().regex(CUSTOM_NAME, 'lower-case letters, digits, _ . - (start with a letter)'),
    /** RE2 syntax (linear time); compiled with re2js, never with JS RegExp. */
    pattern: z.string().min(1).superRefine((pattern, ctx) => {
      try {
        RE2JS.compile(pattern);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `invalid RE2 pattern: ${(error as Error).message}` });
      }
    }),
    case_insensitive: z.boolean().default(false),
    action: valueAction.optional(),
  })
  .strict();

const keyPatterns = z.array(z.string().min(1)).default([]);

export const redactionConfigSchema = z
  .object({
    action: valueAction.default('mask'),
    detectors: detectorsSchema,
    custom_patterns: z
      .array(customPattern)
      .default([])
      .superRefine((patterns, ctx) => {
        const seen = new Set<string>();
        for (let i = 0; i < patterns.length; i++) {
          const name = patterns[i].name;
          if (BUILTIN_NAMES.has(name) || seen.has(name)) {
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate detector name "${name}"` });
          }
          seen.add(name);
        }
      }),
    blocked_keys: keyPatterns,
    allowed_keys: keyPatterns,
    allow_only: keyPatterns,
    include_span_names: z.boolean().default(false),
    summary_attribute: z.boolean().default(false),
    hash_key_env: z.string().default('SLUICE_REDACTION_KEY'),
    hash_key_file: z.string().default(''),
    hash_length: z.number().int().min(8).max(64).default(16),
    max_value_length: size('64KiB'),
    oversize_action: z.enum(['truncate', 'hash']).default('truncate'),
  })
  .strict();

export type RedactionConfig = z.output<typeof redactionConfigSchema>;
/** What a user may write: every field optional (zod's input type marks prefaulted size fields required). */
export type RedactionConfigInput = Partial<z.input<typeof redactionConfigSchema>>;
