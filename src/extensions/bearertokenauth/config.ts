import { z } from 'zod';
import { duration, text } from '../../config/units.ts';

// HTTP header names arrive lower-cased from Node and as gRPC metadata keys, so they are
// lower-cased once here and compared as is on the hot path.
const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP header name')
  .transform((name) => name.toLowerCase());

// Two forms. Sluice's `tokens_file` maps many tokens to tenants, for receivers. The Collector's
// `token` or `filename` is one token: exporters send it (a client authenticator), and receivers
// that name the extension accept exactly that token (with no tenant attached).
export const bearerTokenAuthConfigSchema = z.strictObject({
  /** YAML file mapping tokens (or their SHA-256) to tenants; reloaded when it changes. */
  tokens_file: z.string().min(1).optional(),
  /** The Collector's form: one token, inline (write it as `${env:…}`). */
  token: text().pipe(z.string().min(1)).optional(),
  /** The Collector's form: a file holding one token (surrounding whitespace trimmed); re-read when it changes. */
  filename: z.string().min(1).optional(),
  /** Header carrying `<scheme> <token>`. */
  header: headerName.default('authorization'),
  /** Auth scheme in `header`, matched case-insensitively; empty sends and expects the bare token (token/filename form). */
  scheme: z.string().regex(/^([A-Za-z][A-Za-z0-9._~+\/-]*)?$/, 'must be an auth scheme name').default('Bearer'),
  /** Optional header carrying the bare token (e.g. `x-api-key`), tried when `header` is absent. */
  api_key_header: headerName.optional(),
  /** Poll interval for tokens_file changes, the fallback when fs.watch misses them; 0 disables polling. */
  reload_interval: duration('2s'),
}).refine((c) => [c.tokens_file, c.token, c.filename].filter((v) => v !== undefined).length === 1, 'set exactly one of tokens_file (tokens mapped to tenants, for receivers), token or filename (one token, for exporters and receivers)')
  .refine((c) => c.scheme !== '' || c.tokens_file === undefined, { message: 'an empty scheme works with token or filename only', path: ['scheme'] });

export type BearerTokenAuthConfig = z.output<typeof bearerTokenAuthConfigSchema>;
