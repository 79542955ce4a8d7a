import { createHash } from 'node:crypto';
import { z } from 'zod';
import { tenantIdSchema } from '../../core/tenant-id.ts';
import { FileContentError, parseYamlWith } from '../../common/yaml-file.ts';

// The tokens file. Plain tokens are hashed inside the schema transform, so the validated value
// that leaves this module, and everything built from it, holds digests only.
//
//   tokens:
//     - token: s3cr3t
//       tenant: acme
//     - token_sha256: 4f1b...   # sha256 of the token, 64 hex digits
//       tenant: globex

export interface TokenRecord {
  /** SHA-256 of the token. */
  readonly digest: Buffer;
  readonly tenant: string;
}

const tokenEntrySchema = z
  .strictObject({
    token: z.string().min(1).optional(),
    token_sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (a SHA-256)')
      .optional(),
    tenant: tenantIdSchema,
  })
  .refine((e) => (e.token === undefined) !== (e.token_sha256 === undefined), 'set exactly one of token or token_sha256')
  .transform(
    (e): TokenRecord => ({
      digest: e.token !== undefined ? sha256(e.token) : Buffer.from(e.token_sha256 as string, 'hex'),
      tenant: e.tenant,
    }),
  );

const tokensFileSchema = z.strictObject({ tokens: z.array(tokenEntrySchema) });

/** Parses and validates tokens-file text; throws FileContentError with a message safe to log. */
export function parseTokensFile(text: string): TokenRecord[] {
  const records = parseYamlWith(text, tokensFileSchema, { hideUnknownKeyNames: true }).tokens;
  const firstIndex = new Map<string, number>();
  const problems: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const key = records[i].digest.toString('hex');
    const earlier = firstIndex.get(key);
    // A token must name one tenant; even an identical repeat is reported, as it usually means
    // a copy-paste slip in a rotation.
    if (earlier !== undefined) problems.push(`tokens[${i}]: same token as tokens[${earlier}]`);
    else firstIndex.set(key, i);
  }
  if (problems.length > 0) throw new FileContentError(problems.join('; '));
  return records;
}

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
