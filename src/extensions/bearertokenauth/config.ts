import { z } from 'zod';
import { duration } from '../../config/units.ts';

// HTTP header names arrive lower-cased from Node and as gRPC metadata keys, so they are
// lower-cased once here and compared as is on the hot path.
const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

export const bearerTokenAuthConfigSchema = z.strictObject({
  /** YAML file mapping tokens (or their SHA-256) to tenants; reloaded when it changes. */
  tokens_file: z.string().min(1),
  /** Header carrying `<scheme> <token>`. */
  header: headerName.default('authorization'),
  /** Auth scheme expected in `header`, matched case-insensitively. */
  scheme: z.string().regex(/^[A-Za-z][A-Za-z0-9._~+\/-]*$/, 'must be an auth scheme name').default('Bearer'),
  /** Optional header carrying the bare token (e.g. `x-api-key`), tried when `header` is absent. */
  api_key_header: headerName.optional(),
  /** Poll interval for tokens_file changes, the fallback when fs.watch misses them; 0 disables polling. */
  reload_interval: duration('2s'),
});

export type BearerTokenAuthConfig = z.output<typeof bearerTokenAuthConfigSchema>;
