import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { section } from '../../config/units.ts';

export const clientTlsSchema = z
  .object({
    /** Plain text (no TLS). The Collector's otlp exporter needs this set explicitly for http targets. */
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    ca_file: z.string().optional(),
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
  })
  .strict();

export type ClientTls = z.output<typeof clientTlsSchema>;

export const clientFields = {
  headers: z.record(z.string(), z.string()).default({}),
  compression: z.enum(['gzip', 'none']).default('gzip'),
  tls: section(clientTlsSchema),
  /** Forward the batch's tenant in this header (e.g. X-Scope-OrgID for Mimir, Loki, Tempo); empty = off. */
  tenant_header: z.string().default(''),
};

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export function readTlsFiles(tls: ClientTls): TlsFiles {
  return {
    ca: tls.ca_file ? readFileSync(tls.ca_file) : undefined,
    cert: tls.cert_file ? readFileSync(tls.cert_file) : undefined,
    key: tls.key_file ? readFileSync(tls.key_file) : undefined,
  };
}
