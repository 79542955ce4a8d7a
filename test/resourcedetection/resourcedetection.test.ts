import { readFileSync } from 'node:fs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { decodeRequest } from '../../src/otlp/protobuf.ts';
import { scanRequest } from '../../src/otlp/proto/scan.ts';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue } from '../../src/otlp/types.ts';
import { createStamp, detect, K8S_ENV, resourceDetectionConfigSchema, type DetectionSources } from '../../src/processors/resourcedetection/index.ts';
import { sdkLogs, sdkMetrics, sdkSpans } from '../otlp/sdk-fixtures.ts';

function sources(env: Record<string, string>, files: Record<string, string> = {}): DetectionSources {
  return { env, hostname: () => 'node-a.local', platform: () => 'linux', arch: () => 'x64', readFile: (path) => files[path] };
}

const asObject = (attrs: KeyValue[]) => Object.fromEntries(attrs.map((a) => [a.key, a.value.stringValue]));
const run = (config: unknown, src: DetectionSources) => detect(resourceDetectionConfigSchema.parse(config), src);

describe('resourcedetection: detectors', () => {
  test('env reads OTEL_RESOURCE_ATTRIBUTES, percent-decoded; a malformed variable is ignored whole, with a warning', () => {
    expect(asObject(run({}, sources({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=cart, deployment.environment=prod,team=a%2Cb%20c' })).attributes)).toEqual({
      'service.name': 'cart',
      'deployment.environment': 'prod',
      team: 'a,b c',
    });
    const bad = run({ detectors: ['env'] }, sources({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,oops' }));
    expect(bad.attributes).toEqual([]);
    expect(bad.warnings[0]).toMatch(/malformed at "oops"/);
  });

  test('system: host.name and os.type by default; host.id from /etc/machine-id and host.arch when enabled', () => {
    expect(asObject(run({ detectors: ['system'] }, sources({}, { '/etc/machine-id': 'abc123\n' })).attributes)).toEqual({ 'host.name': 'node-a.local', 'os.type': 'linux' });
    const all = { detectors: ['system'], system: { resource_attributes: { 'host.id': { enabled: true }, 'host.arch': { enabled: true }, 'os.type': { enabled: false } } } };
    expect(asObject(run(all, sources({}, { '/etc/machine-id': 'abc123\n' })).attributes)).toEqual({ 'host.name': 'node-a.local', 'host.id': 'abc123', 'host.arch': 'amd64' });
    // the D-Bus copy when systemd's is absent; none at all in a bare container
    expect(asObject(run(all, sources({}, { '/var/lib/dbus/machine-id': 'dbus-id' })).attributes)['host.id']).toBe('dbus-id');
    expect(asObject(run(all, sources({})).attributes)).not.toHaveProperty('host.id');
  });

  test('k8s reads the downward-API variables the manifests set; k8snode reads the node as the Collector does', () => {
    const env = { K8S_NODE_NAME: 'node-7', K8S_POD_NAME: 'shop-5d9', K8S_POD_NAMESPACE: 'prod', K8S_POD_UID: 'uid-1', MY_NODE: 'node-9' };
    expect(asObject(run({ detectors: ['k8s'] }, sources(env)).attributes)).toEqual({ 'k8s.pod.name': 'shop-5d9', 'k8s.pod.uid': 'uid-1', 'k8s.namespace.name': 'prod', 'k8s.node.name': 'node-7' });
    // a DaemonSet agent's own pod is not the application's: keep only the node
    const nodeOnly = { detectors: ['k8s'], k8s: { resource_attributes: { 'k8s.pod.name': { enabled: false }, 'k8s.pod.uid': { enabled: false }, 'k8s.namespace.name': { enabled: false } } } };
    expect(asObject(run(nodeOnly, sources(env)).attributes)).toEqual({ 'k8s.node.name': 'node-7' });
    expect(asObject(run({ detectors: ['k8snode'], k8snode: { node_from_env_var: 'MY_NODE' } }, sources(env)).attributes)).toEqual({ 'k8s.node.name': 'node-9' });
    expect(run({ detectors: ['k8s'] }, sources({})).attributes).toEqual([]); // outside Kubernetes: nothing
  });

  test('the first detector listed wins a key two of them give', () => {
    const env = { OTEL_RESOURCE_ATTRIBUTES: 'host.name=from-env', K8S_NODE_NAME: 'n1' };
    expect(asObject(run({ detectors: ['env', 'system'] }, sources(env)).attributes)['host.name']).toBe('from-env');
    expect(asObject(run({ detectors: ['system', 'env'] }, sources(env)).attributes)['host.name']).toBe('node-a.local');
  });
});

describe('resourcedetection: config', () => {
  const problems = (config: unknown) => {
    const r = resourceDetectionConfigSchema.safeParse(config);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  test('defaults as the Collector: env, override', () => {
    const c = resourceDetectionConfigSchema.parse({});
    expect(c.detectors).toEqual(['env']);
    expect(c.override).toBe(true);
    expect(c.system.resource_attributes['host.id'].enabled).toBe(false);
  });

  test('unsupported detectors and options are refused, saying what is supported', () => {
    expect(problems({ detectors: ['env', 'gcp', 'emial'] })).toEqual([
      'detectors.1: "gcp" is a Collector detector Sluice does not implement; supported: env, system, k8snode, k8s',
      'detectors.2: "emial" is not a detector; supported: env, system, k8snode, k8s',
    ]);
    expect(problems({ system: { hostname_sources: ['dns', 'os'] } })[0]).toMatch(/system.hostname_sources.0: hostname source "dns" is not implemented/);
    expect(problems({ k8snode: { resource_attributes: { 'k8s.node.uid': { enabled: true } } } })[0]).toMatch(/needs the Kubernetes API/);
    expect(problems({ system: { resource_attributes: { 'host.cpu.family': { enabled: true } } } })).toHaveLength(1);
    expect(problems({ overide: false })).toHaveLength(1);
  });
});

describe('resourcedetection: stamping', () => {
  const detected: KeyValue[] = [
    { key: 'service.name', value: { stringValue: 'detected-name' } },
    { key: 'k8s.node.name', value: { stringValue: 'node-7' } },
  ];

  test('traces: detected attributes stamped on each resource, spans untouched; override decides who wins', async () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(await sdkSpans(4))!;
    const before = decodeRequest('traces', bytes) as ExportTraceServiceRequest;
    for (const override of [true, false]) {
      const batch = Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());
      createStamp(detected, override, 'traces')(batch);
      const after = decodeRequest('traces', batch.bytes()) as ExportTraceServiceRequest;
      expect(batch.itemCount).toBe(scanRequest('traces', bytes));
      for (let i = 0; i < after.resourceSpans.length; i++) {
        const attrs = asObject(after.resourceSpans[i].resource!.attributes);
        expect(attrs['k8s.node.name']).toBe('node-7');
        expect(attrs['service.name']).toBe(override ? 'detected-name' : asObject(before.resourceSpans[i].resource!.attributes)['service.name']);
        expect(after.resourceSpans[i].scopeSpans).toEqual(before.resourceSpans[i].scopeSpans);
      }
    }
  });

  test('a resource that already says it all keeps its bytes', async () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(await sdkSpans(2))!;
    const batch = Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());
    createStamp([{ key: 'service.name', value: { stringValue: 'x' } }], false, 'traces')(batch);
    expect(batch.bytes()).toBe(bytes);
  });

  test('metrics and logs are stamped too', async () => {
    const metrics = (await sdkMetrics('delta')).proto;
    const mb = Batch.fromBytes('metrics', metrics, scanRequest('metrics', metrics), internalMetadata());
    createStamp(detected, true, 'metrics')(mb);
    for (const rm of (decodeRequest('metrics', mb.bytes()) as ExportMetricsServiceRequest).resourceMetrics) expect(asObject(rm.resource!.attributes)['k8s.node.name']).toBe('node-7');
    const logs = (await sdkLogs()).proto;
    const lb = Batch.fromBytes('logs', logs, scanRequest('logs', logs), internalMetadata());
    createStamp(detected, true, 'logs')(lb);
    for (const rl of (decodeRequest('logs', lb.bytes()) as ExportLogsServiceRequest).resourceLogs) expect(asObject(rl.resource!.attributes)['k8s.node.name']).toBe('node-7');
  });
});

describe('resourcedetection: the manifests', () => {
  test('every variable the k8s detector reads is set from the downward API in the sidecar and agent', () => {
    const FIELD: Record<string, string> = { 'k8s.node.name': 'spec.nodeName', 'k8s.pod.name': 'metadata.name', 'k8s.namespace.name': 'metadata.namespace', 'k8s.pod.uid': 'metadata.uid' };
    for (const file of ['deploy/kubernetes/sidecar/deployment.yaml', 'deploy/kubernetes/agent/daemonset.yaml']) {
      const docs = parseAllDocuments(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')).map((d) => d.toJS());
      const sluice = docs.flatMap((d) => d.spec.template.spec.containers).find((c: { name: string }) => c.name === 'sluice');
      const env = new Map((sluice.env as Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
      for (const [attribute, variable] of K8S_ENV) expect(env.get(variable), `${file}: ${variable}`).toBe(FIELD[attribute]);
    }
  });
});
