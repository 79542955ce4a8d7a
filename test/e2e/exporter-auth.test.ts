import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sdkSpans } from '../otlp/sdk-fixtures.ts';
import { exportWith, traceExporter } from './sdk-clients.ts';
import { freePorts, OtlpSink, otlpReceiverYaml, runCli, scrapeMetrics, serviceYaml, startSluice, tempDir, waitFor } from './harness.ts';
import { testScope } from './scope.ts';

// Exporters authenticate to their backends through client authenticator extensions. The backend
// here is a plain node:http server that answers 401 unless Authorization is exactly what it
// expects, so a missing or wrong header makes the test fail on delivery, not on a string compare.

const PASSWORD = 'pw-7f3a9c1e-never-print';
const TOKEN = 'tok-51b2d8e0-never-print';

interface Backend {
  server: Server;
  accepted: IncomingHttpHeaders[];
  refused: number;
}

async function checkingBackend(port: number, expected: string): Promise<Backend> {
  const backend: Backend = { server: undefined as unknown as Server, accepted: [], refused: 0 };
  backend.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers.authorization !== expected) {
        backend.refused++;
        res.writeHead(401).end();
        return;
      }
      backend.accepted.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => backend.server.listen(port, '127.0.0.1', r));
  return backend;
}

const scope = testScope();

describe('exporter authentication', () => {
  test('basicauth (client_auth) and bearertokenauth (token, filename) authenticate otlphttp and otlp; headers_setter forwards the tenant; secrets appear nowhere', async () => {
    const [grpc, http, health, metrics, basicPort, bearerPort, grpcSink] = await freePorts(7);
    const basic = await checkingBackend(basicPort, `Basic ${Buffer.from(`grafana-user:${PASSWORD}`).toString('base64')}`);
    const bearer = await checkingBackend(bearerPort, `Bearer ${TOKEN}`);
    const sink = new OtlpSink();
    await sink.startGrpc(grpcSink);
    scope.cleanups.push(async () => new Promise((r) => basic.server.close(r)), async () => new Promise((r) => bearer.server.close(r)), () => sink.stop());
    const dir = tempDir();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const config = `${otlpReceiverYaml(grpc, http)}
exporters:
  otlphttp/basic: { endpoint: "http://127.0.0.1:${basicPort}", auth: { authenticator: basicauth/grafana }, compression: zstd, retry_on_failure: { enabled: false } }
  otlphttp/bearer: { endpoint: "http://127.0.0.1:${bearerPort}", auth: { authenticator: bearertokenauth/file }, retry_on_failure: { enabled: false } }
  otlp/tenant: { endpoint: "127.0.0.1:${grpcSink}", tls: { insecure: true }, auth: { authenticator: headers_setter } }
  otlp/bearer: { endpoint: "127.0.0.1:${grpcSink}", tls: { insecure: true }, auth: { authenticator: bearertokenauth/inline } }
${serviceYaml({
  health,
  metrics,
  logLevel: 'debug',
  extensions: {
    'basicauth/grafana': '{ client_auth: { username: grafana-user, password: "${env:GRAFANA_PASSWORD}" } }',
    'bearertokenauth/file': `{ filename: ${tokenFile} }`,
    'bearertokenauth/inline': '{ token: "${env:BEARER}", scheme: Token }',
    headers_setter: '{ headers: [{ key: X-Scope-OrgID, from_context: x-scope-orgid, default_value: anonymous }, { key: X-Fixed, value: fixed-value }] }',
  },
})}
    traces: { receivers: [otlp], exporters: [otlphttp/basic, otlphttp/bearer, otlp/tenant, otlp/bearer] }
`;
    const env = { GRAFANA_PASSWORD: PASSWORD, BEARER: TOKEN };
    scope.running = await startSluice(config, { healthPort: health, env });

    const spans = await sdkSpans(3);
    expect((await exportWith(traceExporter('http/protobuf', { grpc, http }, { 'X-Scope-OrgID': 'acme' }), spans)).code).toBe(0);
    await waitFor(() => basic.accepted.length >= 1 && bearer.accepted.length >= 1 && sink.received.length >= 2, 15_000, 'all four backends');
    expect(basic.refused + bearer.refused).toBe(0);
    expect(basic.accepted[0]['content-encoding']).toBe('zstd');
    const grpcHeaders = sink.received.map((r) => r.headers);
    expect(grpcHeaders).toContainEqual(expect.objectContaining({ 'x-scope-orgid': 'acme', 'x-fixed': 'fixed-value' }));
    expect(grpcHeaders).toContainEqual(expect.objectContaining({ authorization: `Token ${TOKEN}` }));

    // A rotated token file is picked up: the backend now wants the new token.
    const rotated = 'tok-rotated-0c9e';
    writeFileSync(tokenFile, rotated);
    const rotatedBackend = bearer;
    rotatedBackend.accepted.length = 0;
    rotatedBackend.server.removeAllListeners('request');
    rotatedBackend.server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers.authorization === `Bearer ${rotated}`) rotatedBackend.accepted.push(req.headers);
        res.writeHead(req.headers.authorization === `Bearer ${rotated}` ? 200 : 401).end();
      });
    });
    await waitFor(async () => {
      await exportWith(traceExporter('http/protobuf', { grpc, http }), spans);
      return rotatedBackend.accepted.length > 0;
    }, 15_000, 'the rotated token');

    const page = await scrapeMetrics(metrics);
    const validated = await runCli(['validate', '--config', writeConfig(config)], env);
    expect(validated.code).toBe(0);
    const printed = await runCli(['print-config', '--config', writeConfig(config)], env);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('client_auth');
    for (const secret of [PASSWORD, TOKEN, Buffer.from(`grafana-user:${PASSWORD}`).toString('base64')]) {
      expect(scope.running!.output()).not.toContain(secret);
      expect(page).not.toContain(secret);
      expect(validated.stdout + validated.stderr).not.toContain(secret);
      expect(printed.stdout + printed.stderr).not.toContain(secret);
    }
  }, 60_000);

  test('an exporter naming a server-only authenticator, or a missing one, fails validation with its path', async () => {
    const dir = tempDir();
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, 'tokens: []\n');
    const result = await runCli(['validate', '--config', writeConfig(`
receivers: { otlp: {} }
exporters:
  otlphttp/a: { endpoint: "http://127.0.0.1:1", auth: { authenticator: bearertokenauth } }
  otlp/b: { endpoint: "127.0.0.1:1", auth: { authenticator: basicauth } }
  otlp/c: { endpoint: "127.0.0.1:1", auth: { authenticator: nothing } }
extensions:
  bearertokenauth: { tokens_file: ${tokens} }
  basicauth: { htpasswd: { inline: "u:p" } }
service:
  extensions: [bearertokenauth, basicauth]
  pipelines: { traces: { receivers: [otlp], exporters: [otlphttp/a, otlp/b, otlp/c] } }
`)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exporters.otlphttp/a.auth.authenticator: extension "bearertokenauth" is not a client authenticator extension');
    expect(result.stderr).toContain('exporters.otlp/b.auth.authenticator: extension "basicauth" is not a client authenticator extension');
    expect(result.stderr).toContain('exporters.otlp/c.auth.authenticator: extension "nothing" is not defined under extensions');
  });
});

function writeConfig(text: string): string {
  const path = join(tempDir(), 'config.yaml');
  writeFileSync(path, text);
  return path;
}
