import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isClientAuthenticator, type ClientAuthenticator } from '../../core/auth.ts';
import type { Host } from '../../core/component.ts';
import { extensionReferenceProblem, type ConfigProblem, type GraphContext } from '../../core/graph.ts';
import { duration, section, text } from '../../config/units.ts';

export const clientTlsSchema = z
  .object({
    /** Plain text (no TLS). The Collector's otlp exporter needs this set explicitly for http targets. */
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    ca_file: z.string().optional(),
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    /** The same as PEM text (e.g. from `${env:…}`). */
    ca_pem: z.string().optional(),
    cert_pem: z.string().optional(),
    key_pem: z.string().optional(),
    /** The name the server's certificate must carry, when it differs from the endpoint's host. */
    server_name_override: z.string().optional(),
    min_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
    max_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
    /** Node's TLS always trusts the system's CA pool next to ca_file; accepted for the Collector's key. */
    include_system_ca_certs_pool: z.boolean().optional(),
    /** Certificate files are read once at start; accepted and ignored (see README). */
    reload_interval: duration().optional(),
  })
  .strict();

export type ClientTls = z.output<typeof clientTlsSchema>;

/** `auth: { authenticator: <extension id> }`: a client authenticator extension adds credentials to every request. */
export const clientAuthSchema = z.strictObject({ authenticator: z.string().min(1) }).optional();

/** The compressions the HTTP exporters write; gRPC writes gzip or deflate (zstd falls back to gzip there). */
export const compressionSchema = z
  .enum(['gzip', 'zstd', 'deflate', 'zlib', 'none', ''], { error: 'compression must be gzip, zstd, deflate, zlib or none (snappy and lz4 are not offered)' })
  .default('gzip')
  .transform((c) => (c === '' ? 'none' : c === 'zlib' ? 'deflate' : c));

export type Compression = z.output<typeof compressionSchema>;

export const clientFields = {
  headers: z.record(z.string(), text()).default({}),
  compression: compressionSchema,
  tls: section(clientTlsSchema),
  auth: clientAuthSchema,
  /** Forward the batch's tenant in this header (e.g. X-Scope-OrgID for Mimir, Loki, Tempo); empty = off. */
  tenant_header: z.string().default(''),
};

/** Client keys accepted and ignored, with why that is harmless (an exporter factory's ignoredKeys). */
export const CLIENT_IGNORED_KEYS: Readonly<Record<string, string>> = {
  'tls.reload_interval': 'certificate files are read once at start; restart to pick up a renewed certificate',
  'tls.include_system_ca_certs_pool': 'Node trusts its CA store next to ca_file either way',
};

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function pemOrFile(pem: string | undefined, file: string | undefined): Buffer | undefined {
  if (pem !== undefined) return Buffer.from(pem);
  return file ? readFileSync(file) : undefined;
}

export function readTlsFiles(tls: ClientTls): TlsFiles {
  return { ca: pemOrFile(tls.ca_pem, tls.ca_file), cert: pemOrFile(tls.cert_pem, tls.cert_file), key: pemOrFile(tls.key_pem, tls.key_file) };
}

/** For an exporter's validateInGraph: `auth.authenticator` must name a started client authenticator. */
export function clientAuthProblems(ctx: GraphContext<{ auth?: { authenticator: string } }>): ConfigProblem[] {
  const id = ctx.config.auth?.authenticator;
  if (id === undefined) return [];
  const problem = extensionReferenceProblem(ctx.extensions, id, 'client_authenticator', `${ctx.path}.auth.authenticator`);
  return problem === undefined ? [] : [problem];
}

/** The running client authenticator an exporter's `auth` names, or undefined when it has none. */
export function clientAuthenticator(host: Host, auth: { authenticator: string } | undefined): ClientAuthenticator | undefined {
  if (auth === undefined) return undefined;
  const extension = host.getExtension(auth.authenticator);
  // The graph build reports this before anything starts; kept for a host built by hand (tests).
  if (!isClientAuthenticator(extension)) throw new Error(`auth.authenticator "${auth.authenticator}" is not a running client authenticator extension (add it to service.extensions)`);
  return extension;
}

const TLS_VERSIONS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;

/** node:tls options for the TLS settings beyond the files: server name and protocol versions. */
export function tlsOptions(tls: ClientTls): { servername?: string; minVersion?: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS]; maxVersion?: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS] } {
  return {
    ...(tls.server_name_override !== undefined ? { servername: tls.server_name_override } : {}),
    ...(tls.min_version !== undefined ? { minVersion: TLS_VERSIONS[tls.min_version] } : {}),
    ...(tls.max_version !== undefined ? { maxVersion: TLS_VERSIONS[tls.max_version] } : {}),
  };
}
