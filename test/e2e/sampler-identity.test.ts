// The built CLI with resourcedetection and probabilistic_sampler, driven by the real SDK: the
// resource says where Sluice ran (its environment, as the Kubernetes manifests set it), and the
// sampler keeps exactly the traces whose randomness meets the 25% threshold, stamped with it.
import { hostname } from 'node:os';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, expect, test } from 'vitest';
import type { ExportTraceServiceRequest } from '../../src/otlp/types.ts';
import { freePorts, OtlpSink, type RunningSluice, startSluice, waitFor } from './harness.ts';
import { exportWith, traceExporter } from './sdk-clients.ts';

let sluice: RunningSluice | undefined;
const sink = new OtlpSink();
afterAll(async () => {
  await sluice?.stop();
  await sink.stop();
});

test('spans leave stamped with the detected resource and sampled at R >= T', async () => {
  const [grpc, http, health, metrics, sinkPort] = await freePorts(5);
  await sink.startHttp(sinkPort);
  sluice = await startSluice(
    `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpc} }
      http: { endpoint: 127.0.0.1:${http} }
processors:
  resourcedetection:
    detectors: [env, k8s, system]
    override: false
  probabilistic_sampler:
    sampling_percentage: 25
exporters:
  otlphttp: { endpoint: "http://127.0.0.1:${sinkPort}" }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: 127.0.0.1:${metrics} }, logs: { level: error } }
  pipelines:
    traces: { receivers: [otlp], processors: [resourcedetection, probabilistic_sampler], exporters: [otlphttp] }
`,
    {
      healthPort: health,
      env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=e2e,service.name=not-the-app', K8S_POD_NAME: 'shop-5d9', K8S_POD_NAMESPACE: 'prod', K8S_POD_UID: 'uid-1', K8S_NODE_NAME: 'node-7' },
    },
  );

  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('e2e');
  const n = 400;
  for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`, { kind: SpanKind.SERVER }).end();
  const sent = memory.getFinishedSpans();
  const expected = sent.filter((s) => BigInt('0x' + s.spanContext().traceId.slice(-14)) >= 0xcn << 52n).map((s) => s.spanContext().traceId).sort();
  expect((await exportWith(traceExporter('grpc', { grpc, http }), sent)).code).toBe(0);

  const received = () => sink.of('traces').flatMap((r: ExportTraceServiceRequest) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource })))));
  await waitFor(() => received().length >= expected.length, 10_000, 'sampled spans at the sink');
  const got = received();
  expect(got.map((g) => Buffer.from(g.span.traceId).toString('hex')).sort()).toEqual(expected);
  // about a quarter: 5 binomial standard deviations around n/4
  expect(Math.abs(expected.length - n / 4)).toBeLessThan(5 * Math.sqrt(n * 0.25 * 0.75));
  for (const { span, resource } of got) {
    expect(span.traceState).toBe('ot=th:c');
    const attrs = Object.fromEntries(resource!.attributes.map((a) => [a.key, a.value.stringValue]));
    expect(attrs).toMatchObject({
      'service.name': 'shop', // override: false keeps the application's
      'deployment.environment': 'e2e',
      'k8s.pod.name': 'shop-5d9',
      'k8s.namespace.name': 'prod',
      'k8s.pod.uid': 'uid-1',
      'k8s.node.name': 'node-7',
      'host.name': hostname(),
      'os.type': process.platform === 'win32' ? 'windows' : process.platform,
    });
  }
});
