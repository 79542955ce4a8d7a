import { z } from 'zod';
import { duration, section } from '../../config/units.ts';

// The Collector's resourcedetectionprocessor settings for the detectors Sluice implements. Each
// detector's `resource_attributes.<name>.enabled` defaults as in the Collector's metadata, except
// `k8snode`'s `k8s.node.uid`, which needs the Kubernetes API (see SUPPORTED_DETECTORS).

export const SUPPORTED_DETECTORS = ['env', 'system', 'k8snode', 'k8s'] as const;

/** Detectors the Collector has and Sluice does not: named in the error so a Collector config reads clearly. */
const COLLECTOR_ONLY = ['akamai', 'alibaba_ecs', 'aks', 'azure', 'consul', 'digitalocean', 'docker', 'dynatrace', 'ec2', 'ecs', 'eks', 'elastic_beanstalk', 'gcp', 'heroku', 'hetzner', 'kubeadm', 'lambda', 'nova', 'openshift', 'oraclecloud', 'scaleway', 'upcloud', 'vultr'];

const flag = (enabled: boolean) => z.strictObject({ enabled: z.boolean() }).default({ enabled });

export const systemConfigSchema = z.strictObject({
  hostname_sources: z
    .array(z.string())
    .min(1)
    .default(['os'])
    .superRefine((sources, ctx) => {
      sources.forEach((s, i) => {
        if (s === 'os') return;
        const known = ['dns', 'cname', 'lookup'].includes(s);
        ctx.addIssue({ code: 'custom', path: [i], message: known ? `hostname source "${s}" is not implemented (it needs DNS lookups at start); use os` : `unknown hostname source "${s}"; Sluice supports os` });
      });
    }),
  resource_attributes: section(
    z.strictObject({
      'host.name': flag(true),
      'os.type': flag(true),
      'host.id': flag(false),
      'host.arch': flag(false),
    }),
  ),
});

export const k8sNodeConfigSchema = z.strictObject({
  node_from_env_var: z.string().min(1).default('K8S_NODE_NAME'),
  auth_type: z.literal('serviceAccount').default('serviceAccount'),
  resource_attributes: section(
    z.strictObject({
      'k8s.node.name': flag(true),
      'k8s.node.uid': z
        .strictObject({ enabled: z.literal(false, { error: 'k8s.node.uid needs the Kubernetes API, which Sluice does not call; leave it disabled' }) })
        .default({ enabled: false }),
    }),
  ),
});

export const k8sConfigSchema = z.strictObject({
  resource_attributes: section(
    z.strictObject({
      'k8s.pod.name': flag(true),
      'k8s.pod.uid': flag(true),
      'k8s.namespace.name': flag(true),
      'k8s.node.name': flag(true),
    }),
  ),
});

export const resourceDetectionConfigSchema = z.strictObject({
  detectors: z
    .array(z.string())
    .default(['env'])
    .superRefine((detectors, ctx) => {
      detectors.forEach((d, i) => {
        if ((SUPPORTED_DETECTORS as readonly string[]).includes(d)) return;
        const why = COLLECTOR_ONLY.includes(d) ? 'is a Collector detector Sluice does not implement' : 'is not a detector';
        ctx.addIssue({ code: 'custom', path: [i], message: `"${d}" ${why}; supported: ${SUPPORTED_DETECTORS.join(', ')}` });
      });
      if (new Set(detectors).size !== detectors.length) ctx.addIssue({ code: 'custom', message: 'a detector is listed twice' });
    }),
  override: z.boolean().default(true),
  // Detection reads local files and the environment once at start; nothing waits, so the timeout bounds nothing.
  timeout: duration('5s'),
  system: section(systemConfigSchema),
  k8snode: section(k8sNodeConfigSchema),
  k8s: section(k8sConfigSchema),
});

export type ResourceDetectionConfig = z.output<typeof resourceDetectionConfigSchema>;
