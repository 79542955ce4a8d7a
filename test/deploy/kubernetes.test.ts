// deploy/kubernetes: every manifest parses, every embedded Sluice config passes the validation
// `sluice validate` runs, and ports, probes, volumes, names and selectors agree with the configs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/components.ts';
import { loadRawConfig } from '../../src/config/load.ts';
import { buildGraph } from '../../src/service/graph.ts';
import { ROOT } from '../e2e/harness.ts';

const DEPLOY = join(ROOT, 'deploy/kubernetes');

type Doc = Record<string, any>;
interface Manifest {
  file: string;
  doc: Doc;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const files = yamlFiles(DEPLOY);
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${relative(ROOT, file)}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file: relative(ROOT, file), doc: d.toJS() as Doc };
  }),
);
const objects = manifests.filter((m) => m.doc.kind !== 'Kustomization');
const find = (kind: string, name: string) => objects.find((m) => m.doc.kind === kind && m.doc.metadata.name === name)?.doc;
const workloads = objects.filter((m) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(m.doc.kind));

/** host:port → port. */
const portOf = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
const mib = (quantity: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unexpected quantity ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

interface SluiceContainer {
  workload: Manifest;
  container: Doc;
  podSpec: Doc;
  raw: Record<string, any>;
  /** The config as written, before ${env:…} expansion. */
  written: Record<string, any>;
}

/** Each Sluice container with its config, read from the ConfigMap mounted where --config points. */
const sluices: SluiceContainer[] = workloads.flatMap((workload) => {
  const podSpec = workload.doc.spec.template.spec;
  return (podSpec.containers as Doc[]).filter((c) => /(^|\/)sluice(:|$)/.test(c.image)).map((container) => {
    const configPath: string = container.args[container.args.indexOf('--config') + 1];
    const mount = (container.volumeMounts as Doc[]).find((m) => m.mountPath === posix.dirname(configPath));
    expect(mount, `${workload.file}: a volume at ${posix.dirname(configPath)}`).toBeDefined();
    const volume = (podSpec.volumes as Doc[]).find((v) => v.name === mount!.name);
    const configMap = find('ConfigMap', volume!.configMap.name);
    const text = configMap?.data?.[posix.basename(configPath)];
    expect(text, `${workload.file}: ConfigMap ${volume!.configMap.name} has ${posix.basename(configPath)}`).toBeTypeOf('string');
    // The container's env, as the kubelet would set it; a downward-API value stands in as text.
    const env: NodeJS.ProcessEnv = {};
    for (const e of (container.env ?? []) as Doc[]) env[e.name] = e.value ?? `from-${Object.keys(e.valueFrom)[0]}`;
    const raw = loadRawConfig({ files: [], texts: [text], env });
    return { workload, container, podSpec, raw, written: parseAllDocuments(text)[0].toJS() };
  });
});

describe('deploy/kubernetes', () => {
  it('every file parses, and every object names its kind, API version and name', () => {
    expect(files.length).toBeGreaterThan(8);
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, file).toBeTypeOf('string');
      expect(doc.kind, file).toBeTypeOf('string');
      if (doc.kind !== 'Kustomization') expect(doc.metadata?.name, file).toBeTypeOf('string');
    }
    for (const kind of ['ConfigMap', 'Deployment', 'DaemonSet', 'StatefulSet', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect(objects.some((m) => m.doc.kind === kind), kind).toBe(true);
    }
  });

  it('every kustomization lists files or bases that exist', () => {
    for (const { file, doc } of manifests.filter((m) => m.doc.kind === 'Kustomization')) {
      for (const resource of doc.resources as string[]) {
        const path = join(ROOT, dirname(file), resource);
        expect(existsSync(path), `${file}: ${resource}`).toBe(true);
        if (statSync(path).isDirectory()) expect(existsSync(join(path, 'kustomization.yaml')), `${file}: ${resource}/kustomization.yaml`).toBe(true);
      }
    }
  });

  it('every embedded Sluice config passes `sluice validate` with the container\'s environment', () => {
    expect(sluices.length).toBe(4); // sidecar, agent, load balancer, sampler
    for (const { workload, raw } of sluices) {
      expect(() => buildGraph({ raw, problems: [] }, defaultRegistry()), workload.file).not.toThrow();
    }
  });

  it('ports, probes, volumes and memory agree with each config', () => {
    for (const { workload, container, podSpec, raw } of sluices) {
      const where = `${workload.file} (${container.name})`;
      const ports = new Map<string, number>((container.ports as Doc[]).map((p) => [p.name, p.containerPort]));
      const declared = new Set(ports.values());
      const protocols = raw.receivers.otlp.protocols;
      for (const protocol of Object.values(protocols) as Doc[]) expect(declared.has(portOf(protocol.endpoint)), `${where}: ${protocol.endpoint} declared`).toBe(true);
      const health: string = raw.extensions.health_check.endpoint;
      expect(health.startsWith('0.0.0.0:'), `${where}: health on the pod IP for the kubelet`).toBe(true);
      expect(declared.has(portOf(raw.service.telemetry.metrics.address))).toBe(true);
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        const port = typeof probe.httpGet.port === 'number' ? probe.httpGet.port : ports.get(probe.httpGet.port);
        expect(port, `${where}: probe on health_check's port`).toBe(portOf(health));
        expect(probe.httpGet.path).toBe('/');
      }
      // A persistent queue's directory lies on a mounted volume, not the read-only image.
      const storage = raw.extensions.file_storage?.directory as string | undefined;
      if (storage !== undefined) {
        const mount = (container.volumeMounts as Doc[]).find((m) => storage === m.mountPath || storage.startsWith(`${m.mountPath}/`));
        expect(mount, `${where}: ${storage} on a volume`).toBeDefined();
        const claim = (workload.doc.spec.volumeClaimTemplates ?? []).find((t: Doc) => t.metadata.name === mount!.name);
        const volume = (podSpec.volumes as Doc[]).find((v) => v.name === mount!.name);
        expect(claim ?? volume?.emptyDir, `${where}: ${mount!.name} is a claim or an emptyDir`).toBeDefined();
        expect(mount!.readOnly).not.toBe(true);
        expect(podSpec.securityContext.fsGroup, `${where}: the volume is writable by the image's user`).toBe(podSpec.securityContext.runAsUser);
      }
      // The memory limiter refuses before the kernel kills.
      const limit = mib(container.resources.limits.memory);
      expect(raw.processors.memory_limiter.limit_mib, where).toBeLessThan(limit);
      expect(container.resources.requests.cpu, where).toBeDefined();
      expect(mib(container.resources.requests.memory)).toBeLessThanOrEqual(limit);
      // Shutdown fits in the grace period.
      const shutdown = Number(/^(\d+)s$/.exec(raw.service.telemetry.shutdown_timeout)![1]);
      expect(shutdown, where).toBeLessThan(podSpec.terminationGracePeriodSeconds);
      expect(podSpec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('the agent stamps what the downward API gives it', () => {
    const agent = sluices.find((s) => s.workload.doc.kind === 'DaemonSet')!;
    const fromApi = new Set((agent.container.env as Doc[]).filter((e) => e.valueFrom?.fieldRef).map((e) => e.name));
    const stamped = (agent.written.processors.resource.attributes as Doc[]).map((a) => /\$\{env:([A-Z0-9_]+)\}/.exec(a.value)?.[1]);
    expect(stamped.length).toBeGreaterThanOrEqual(2);
    for (const name of stamped) expect(fromApi.has(name!), `${name} from the downward API`).toBe(true);
    for (const pipeline of Object.values(agent.raw.service.pipelines) as Doc[]) expect(pipeline.processors).toContain('resource');
  });

  it('the load balancers resolve the samplers\' headless Service, on the samplers\' OTLP port', () => {
    const lb = sluices.find((s) => s.raw.exporters.loadbalancing !== undefined)!;
    const dns = lb.raw.exporters.loadbalancing.resolver.dns;
    const [serviceName, namespace] = (dns.hostname as string).split('.');
    const service = find('Service', serviceName)!;
    expect(service.metadata.namespace).toBe(namespace);
    expect(service.spec.clusterIP).toBe('None');
    const sampler = workloads.find((w) => matches(service.spec.selector, w.doc.spec.template.metadata.labels))!;
    expect(sampler.doc.kind).toBe('StatefulSet');
    expect(sampler.doc.spec.serviceName).toBe(serviceName);
    const samplerConfig = sluices.find((s) => s.workload === sampler)!.raw;
    expect(portOf(samplerConfig.receivers.otlp.protocols.grpc.endpoint)).toBe(dns.port);
    expect(samplerConfig.processors.adaptive_sampling).toBeDefined();
    // What the sidecar and the agent send to is the load balancers' Service.
    const lbService = objects.find((m) => m.doc.kind === 'Service' && matches(m.doc.spec.selector, lb.workload.doc.spec.template.metadata.labels))!.doc;
    for (const s of sluices.filter((x) => x.raw.exporters.otlp?.endpoint?.includes('loadbalancer'))) {
      expect(s.raw.exporters.otlp.endpoint).toBe(`${lbService.metadata.name}.${lbService.metadata.namespace}.svc.cluster.local:4317`);
    }
  });

  it('Services, autoscalers and disruption budgets point at workloads that exist, on ports they declare', () => {
    for (const { file, doc } of objects.filter((m) => m.doc.kind === 'Service')) {
      const target = workloads.find((w) => matches(doc.spec.selector, w.doc.spec.template.metadata.labels));
      expect(target, `${file}: ${doc.metadata.name} selects a workload`).toBeDefined();
      const names = new Set(target!.doc.spec.template.spec.containers.flatMap((c: Doc) => (c.ports ?? []).map((p: Doc) => p.name)));
      for (const port of doc.spec.ports) expect(names.has(port.targetPort), `${doc.metadata.name}: ${port.targetPort}`).toBe(true);
    }
    for (const { doc } of objects.filter((m) => m.doc.kind === 'HorizontalPodAutoscaler')) {
      expect(find(doc.spec.scaleTargetRef.kind, doc.spec.scaleTargetRef.name), doc.metadata.name).toBeDefined();
      expect(doc.spec.metrics[0].resource.name).toBe('cpu');
    }
    for (const { doc } of objects.filter((m) => m.doc.kind === 'PodDisruptionBudget')) {
      expect(workloads.some((w) => matches(doc.spec.selector.matchLabels, w.doc.spec.template.metadata.labels)), doc.metadata.name).toBe(true);
    }
  });
});
