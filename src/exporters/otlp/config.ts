import { z } from 'zod';
import { exporterHelperFields } from '../helper/config.ts';
import { clientFields } from '../shared/client-config.ts';

export const otlpGrpcExporterConfigSchema = z
  .object({
    /** host:port of an OTLP/gRPC server (a scheme, if written, is ignored; TLS follows `tls.insecure`). */
    endpoint: z.string().min(1),
    ...clientFields,
    ...exporterHelperFields,
  })
  .strict();

export type OtlpGrpcExporterConfig = z.output<typeof otlpGrpcExporterConfigSchema>;
