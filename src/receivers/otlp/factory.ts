import type { Authenticator } from '../../core/auth.ts';
import { isAuthenticator } from '../../core/auth.ts';
import type { ConfigProblem, Host, ReceiverFactory } from '../../core/component.ts';
import { extensionReferenceProblem } from '../../core/graph.ts';
import { RequestAcceptor } from './accept.ts';
import { Admission } from './admission.ts';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import type { OtlpGrpcServer } from './grpc.ts';
import { ALL_HEADERS, ALWAYS_KEPT } from './headers.ts';
import { OtlpHttpServer } from './http.ts';

function authenticator(host: Host, id: string | undefined): Authenticator | undefined {
  if (id === undefined) return undefined;
  const extension = host.getExtension(id);
  // validateInGraph reports this before anything starts; kept for a host built by hand (tests).
  if (!isAuthenticator(extension)) throw new Error(`auth.authenticator "${id}" is not a running authenticator extension (add it to service.extensions)`);
  return extension;
}

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpReceiverConfigSchema,
  exampleConfig: () => ({ protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } }),
  // With include_metadata every header is kept, so any header check passes (undefined: cannot say).
  metadataHeaders: (config) => (config.protocols.grpc?.include_metadata || config.protocols.http?.include_metadata ? undefined : [...ALWAYS_KEPT, ...config.metadata_headers]),
  ignoredKeys: {
    'protocols.grpc.keepalive.enforcement_policy': 'grpc-js has no ping enforcement policy; it accepts client keepalive pings',
    'protocols.grpc.read_buffer_size': 'grpc-js sizes its socket buffers itself',
    'protocols.grpc.write_buffer_size': 'grpc-js sizes its socket buffers itself',
    'protocols.grpc.tls.min_version': 'grpc-js negotiates the TLS version itself',
    'protocols.grpc.tls.max_version': 'grpc-js negotiates the TLS version itself',
    'protocols.grpc.tls.reload_interval': 'certificates are read at start; restart to pick up a renewed one',
    'protocols.http.tls.reload_interval': 'certificates are read at start; restart to pick up a renewed one',
  },
  listenEndpoints: ({ protocols }) => [
    ...(protocols.grpc ? [{ path: 'protocols.grpc.endpoint', endpoint: protocols.grpc.endpoint }] : []),
    ...(protocols.http ? [{ path: 'protocols.http.endpoint', endpoint: protocols.http.endpoint }] : []),
  ],
  validateInGraph(ctx) {
    const problems: ConfigProblem[] = [];
    for (const protocol of ['grpc', 'http'] as const) {
      const id = ctx.config.protocols[protocol]?.auth?.authenticator;
      if (id === undefined) continue;
      const problem = extensionReferenceProblem(ctx.extensions, id, 'authenticator', `${ctx.path}.protocols.${protocol}.auth.authenticator`);
      if (problem !== undefined) problems.push(problem);
    }
    return problems;
  },
  async create(ctx) {
    const { grpc, http } = ctx.config.protocols;
    const servers: Array<OtlpGrpcServer | OtlpHttpServer> = [];
    const MIB = 1024 * 1024;
    const limits = ctx.config.admission;
    const admission = new Admission({ requestBytes: limits.request_limit_mib * MIB, perConnectionBytes: limits.connection_limit_mib * MIB, perTenantBytes: limits.tenant_limit_mib * MIB }, ctx.host.memory);
    if (grpc) {
      // grpc-js, with node:http2 and node:tls (~6 MiB of RSS), loads only when gRPC is configured.
      const { OtlpGrpcServer } = await import('./grpc.ts');
      const acceptor = new RequestAcceptor(ctx.id, 'grpc', ctx.consumers, ctx.telemetry, ctx.logger);
      servers.push(new OtlpGrpcServer(grpc, acceptor, admission, ctx.logger, authenticator(ctx.host, grpc.auth?.authenticator), grpc.include_metadata ? ALL_HEADERS : ctx.config.metadata_headers));
    }
    if (http) {
      const acceptor = new RequestAcceptor(ctx.id, 'http', ctx.consumers, ctx.telemetry, ctx.logger);
      servers.push(new OtlpHttpServer(http, acceptor, admission, ctx.logger, authenticator(ctx.host, http.auth?.authenticator), http.include_metadata ? ALL_HEADERS : ctx.config.metadata_headers));
    }
    return {
      async start() {
        for (const server of servers) await server.start();
      },
      async shutdown() {
        await Promise.all(servers.map((server) => server.shutdown()));
      },
    };
  },
};
