import { readFileSync } from 'node:fs';
import { arch, hostname, platform } from 'node:os';
import type { KeyValue } from '../../otlp/types.ts';
import type { ResourceDetectionConfig } from './config.ts';

// Detection runs once, at create: each detector reads the environment or a local file and yields
// string attributes. Tests hand in their own readers.

export interface DetectionSources {
  env: Readonly<Record<string, string | undefined>>;
  hostname(): string;
  platform(): string;
  arch(): string;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
}

export const processSources: DetectionSources = {
  env: process.env,
  hostname,
  platform,
  arch,
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

export interface Detection {
  attributes: KeyValue[];
  /** Problems worth a log line (an unparsable OTEL_RESOURCE_ATTRIBUTES); detection goes on. */
  warnings: string[];
}

/**
 * The detected attributes, the first detector's value winning when two give the same key (as
 * the Collector merges them).
 */
export function detect(config: ResourceDetectionConfig, sources: DetectionSources): Detection {
  const found = new Map<string, string>();
  const warnings: string[] = [];
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '' && !found.has(key)) found.set(key, value);
  };
  for (const detector of config.detectors) {
    if (detector === 'env') envDetector(sources, put, warnings);
    else if (detector === 'system') systemDetector(config.system, sources, put);
    else if (detector === 'k8snode') {
      if (config.k8snode.resource_attributes['k8s.node.name'].enabled) put('k8s.node.name', sources.env[config.k8snode.node_from_env_var]);
    } else if (detector === 'k8s') {
      const enabled = config.k8s.resource_attributes;
      for (const [key, variable] of K8S_ENV) if (enabled[key].enabled) put(key, sources.env[variable]);
    }
  }
  return { attributes: [...found].map(([key, value]) => ({ key, value: { stringValue: value } })), warnings };
}

/** The downward-API variables deploy/kubernetes sets, by the attribute each gives. */
export const K8S_ENV: ReadonlyArray<readonly ['k8s.pod.name' | 'k8s.pod.uid' | 'k8s.namespace.name' | 'k8s.node.name', string]> = [
  ['k8s.pod.name', 'K8S_POD_NAME'],
  ['k8s.pod.uid', 'K8S_POD_UID'],
  ['k8s.namespace.name', 'K8S_POD_NAMESPACE'],
  ['k8s.node.name', 'K8S_NODE_NAME'],
];

/**
 * OTEL_RESOURCE_ATTRIBUTES: `key=value` pairs separated by commas, values percent-encoded. As the
 * SDK specification asks, a malformed value discards the whole variable.
 */
function envDetector(sources: DetectionSources, put: (key: string, value: string) => void, warnings: string[]): void {
  const raw = sources.env.OTEL_RESOURCE_ATTRIBUTES;
  if (raw === undefined || raw.trim() === '') return;
  const pairs: Array<[string, string]> = [];
  for (const member of raw.split(',')) {
    if (member.trim() === '') continue;
    const eq = member.indexOf('=');
    const key = eq < 0 ? '' : member.slice(0, eq).trim();
    let value: string | undefined;
    try {
      value = eq < 0 ? undefined : decodeURIComponent(member.slice(eq + 1).trim());
    } catch {
      value = undefined;
    }
    if (key === '' || value === undefined) {
      warnings.push(`OTEL_RESOURCE_ATTRIBUTES is malformed at "${member.trim().slice(0, 40)}": ignored as a whole`);
      return;
    }
    pairs.push([key, value]);
  }
  for (const [key, value] of pairs) put(key, value);
}

// Node's names to the semantic conventions' os.type and host.arch values.
const OS_TYPE: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
const HOST_ARCH: Record<string, string> = { x64: 'amd64', ia32: 'x86', arm: 'arm32', ppc: 'ppc32' };

function systemDetector(config: ResourceDetectionConfig['system'], sources: DetectionSources, put: (key: string, value: string | undefined) => void): void {
  const enabled = config.resource_attributes;
  if (enabled['host.name'].enabled) put('host.name', sources.hostname());
  if (enabled['os.type'].enabled) {
    const p = sources.platform();
    put('os.type', OS_TYPE[p] ?? p);
  }
  if (enabled['host.id'].enabled) {
    // The machine id systemd and D-Bus keep; absent in many containers, then no host.id.
    const id = sources.readFile('/etc/machine-id') ?? sources.readFile('/var/lib/dbus/machine-id');
    put('host.id', id?.trim());
  }
  if (enabled['host.arch'].enabled) {
    const a = sources.arch();
    put('host.arch', HOST_ARCH[a] ?? a);
  }
}
