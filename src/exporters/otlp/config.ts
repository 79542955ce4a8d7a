import { z } from 'zod';
import { clientFields } from '../shared/client-config.ts';

export const otlpGrpcExporterConfigSchema = z
  .object({
    /** host:port of an OTLP/gRPC server (a scheme, if written, is ignored; TLS follows `tls.insecure`). */
    endpoint: z.string().min(1),
    ...clientFields,
  })
  .strict();

export type OtlpGrpcExporterConfig = z.output<typeof otlpGrpcExporterConfigSchema>;
