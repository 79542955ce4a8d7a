import { describe, expect, it } from 'vitest';
import { loadBalancingExporterConfigSchema } from '../../src/exporters/loadbalancing/index.ts';

const issues = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('loadbalancing config', () => {
  it('takes the Collector shape with its defaults', () => {
    const config = loadBalancingExporterConfigSchema.parse({
      routing_key: 'traceID',
      protocol: { otlp: { tls: { insecure: true }, timeout: '1s', sending_queue: { queue_size: 50 } } },
      resolver: { dns: { hostname: 'sluice-sampler-headless.observability.svc.cluster.local' } },
    });
    expect(config.resolver.dns).toMatchObject({ port: 4317, interval: 5000, timeout: 1000 });
    expect(config.protocol.otlp).toMatchObject({ timeout: 1000, compression: 'gzip', sending_queue: { enabled: true, queue_size: 50 } });
    // The exporter's own queue and retry are off unless asked for: each backend has its own.
    expect(config.sending_queue.enabled).toBe(false);
    expect(config.retry_on_failure.enabled).toBe(false);
  });

  it('refuses what it does not implement, and a second or missing resolver, with reasons', () => {
    expect(issues(loadBalancingExporterConfigSchema.safeParse({ routing_key: 'streamID', resolver: { static: { hostnames: ['a:1'] } } }))).toEqual([
      'routing_key: routing_key "streamID" is not implemented in Sluice; use traceID, service, resource or metric',
    ]);
    expect(issues(loadBalancingExporterConfigSchema.safeParse({ resolver: { k8s: { service: 'lb.ns' } } }))).toEqual([
      'resolver.k8s: resolver.k8s is not implemented in Sluice; use resolver.dns with a headless Service',
    ]);
    expect(issues(loadBalancingExporterConfigSchema.safeParse({ resolver: { static: { hostnames: ['a:1'] }, dns: { hostname: 'x' } } }))).toEqual(['resolver: set exactly one resolver: static or dns']);
    expect(issues(loadBalancingExporterConfigSchema.safeParse({ resolver: {} }))).toEqual(['resolver: set exactly one resolver: static or dns']);
    expect(issues(loadBalancingExporterConfigSchema.safeParse({ resolver: { static: { hostnames: ['a:1'] } }, protocol: { otlp: { endpoint: 'x:1' } } }))[0]).toMatch(/endpoint/);
  });
});

describe('routing_key and the pipeline signal', () => {
  it('a key that does not fit a pipeline signal is a validation problem with its path', async () => {
    const { buildGraph } = await import('../../src/service/graph.ts');
    const { defaultRegistry } = await import('../../src/components.ts');
    const { ConfigError } = await import('../../src/config/load.ts');
    const raw = {
      receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' } } } },
      exporters: { loadbalancing: { routing_key: 'traceID', resolver: { static: { hostnames: ['127.0.0.1:4317'] } } } },
      service: { pipelines: { metrics: { receivers: ['otlp'], exporters: ['loadbalancing'] } } },
    };
    let problems: string[] = [];
    try {
      buildGraph({ raw, problems: [] }, defaultRegistry());
    } catch (error) {
      problems = (error as InstanceType<typeof ConfigError>).problems.map((p) => `${p.path}: ${p.message}`);
    }
    expect(problems).toEqual(['exporters.loadbalancing.routing_key: routing_key traceID is for traces and logs; use service, resource or metric for metrics (pipeline metrics)']);
  });
});
