import { describe, expect, test } from 'vitest';
import { sdkSpans } from '../otlp/sdk-fixtures.ts';
import { exportWith, traceExporter } from './sdk-clients.ts';
import { freePorts, OtlpSink, serviceYaml, startSluice, waitFor } from './harness.ts';
import { testScope } from './scope.ts';

const scope = testScope();

describe('Collector receiver keys and extensions', () => {
  test('cors answers preflights for allowed origins only; include_metadata forwards any header; basicauth htpasswd guards a receiver; zpages shows pipelines and recent errors', async () => {
    const [grpc, http, health, metrics, sinkPort, zpages, deadPort] = await freePorts(7);
    const sink = new OtlpSink();
    await sink.startGrpc(sinkPort);
    scope.cleanups.push(() => sink.stop());
    const config = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpc} }
      http:
        endpoint: 127.0.0.1:${http}
        include_metadata: true
        cors: { allowed_origins: ["https://*.example.com"], allowed_headers: [X-Custom], max_age: 600 }
        auth: { authenticator: basicauth }
exporters:
  otlp: { endpoint: "127.0.0.1:${sinkPort}", tls: { insecure: true }, auth: { authenticator: headers_setter } }
  otlphttp/dead: { endpoint: "http://127.0.0.1:${deadPort}", retry_on_failure: { enabled: false } }
${serviceYaml({
  health,
  metrics,
  extensions: {
    basicauth: '{ htpasswd: { inline: "agent:s3cret\\nother:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=" } }',
    headers_setter: '{ headers: [{ key: X-Team, from_context: x-team }] }',
    zpages: `{ endpoint: 127.0.0.1:${zpages} }`,
  },
})}
    traces: { receivers: [otlp], exporters: [otlp, otlphttp/dead] }
`;
    scope.running = await startSluice(config, { healthPort: health });

    const preflight = (origin: string) => fetch(`http://127.0.0.1:${http}/v1/traces`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-custom' } });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('x-custom');
    expect(allowed.headers.get('access-control-max-age')).toBe('600');
    const refused = await preflight('https://evil.test');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const spans = await sdkSpans(2);
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect((await exportWith(traceExporter('http/protobuf', { grpc, http }, { authorization: basic('agent', 'wrong') }), spans)).code).not.toBe(0);
    expect((await exportWith(traceExporter('http/protobuf', { grpc, http }, { authorization: basic('agent', 's3cret'), 'x-team': 'blue' }), spans)).code).toBe(0);
    // {SHA} of "password"
    expect((await exportWith(traceExporter('http/protobuf', { grpc, http }, { authorization: basic('other', 'password') }), spans)).code).toBe(0);
    await waitFor(() => sink.received.length >= 1, 15_000, 'spans at the sink');
    expect(sink.received[0].headers['x-team']).toBe('blue');

    const posted = await fetch(`http://127.0.0.1:${http}/v1/traces`, { method: 'POST', headers: { origin: 'https://app.example.com', 'content-type': 'application/json' }, body: '{}' });
    expect(posted.headers.get('access-control-allow-origin')).toBe('https://app.example.com');

    await waitFor(async () => (await (await fetch(`http://127.0.0.1:${zpages}/debug/servicez?format=json`)).json() as { recent_errors: unknown[] }).recent_errors.length > 0, 15_000, 'a recent error');
    const service = await (await fetch(`http://127.0.0.1:${zpages}/debug/servicez?format=json`)).json() as { recent_errors: Array<{ component: string; message: string }> };
    expect(service.recent_errors[0].component).toBe('otlphttp/dead');
    const pipelines = await (await fetch(`http://127.0.0.1:${zpages}/debug/pipelinez?format=json`)).json() as { pipelines: Array<{ id: string; exporters: Array<{ id: string; state: string }> }> };
    expect(pipelines.pipelines[0].id).toBe('traces');
    expect(pipelines.pipelines[0].exporters).toContainEqual({ id: 'otlp', state: 'ok' });
    const html = await (await fetch(`http://127.0.0.1:${zpages}/debug/pipelinez`)).text();
    expect(html).toContain('<h1>Pipelines</h1>');
    // The live status page, at the zpages port too: its HTML, and the data it polls beside it.
    const redirect = await fetch(`http://127.0.0.1:${zpages}/debug/statusz`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/debug/statusz/']);
    expect(await (await fetch(`http://127.0.0.1:${zpages}/debug/statusz/`)).text()).toContain('api/status');
    const status = await (await fetch(`http://127.0.0.1:${zpages}/debug/statusz/api/status`)).json() as { pipelines: Array<{ id: string }>; errors: Array<{ component: string }> };
    expect(status.pipelines.map((p) => p.id)).toContain('traces');
    expect(status.errors.map((e) => e.component)).toContain('otlphttp/dead');
    expect(scope.running!.output()).not.toContain('s3cret');
  }, 60_000);
});
