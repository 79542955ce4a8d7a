import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { freePorts, startSluice, tempDir, waitFor } from './harness.ts';

// What Sluice must not load when it has no use for it: each of these is megabytes of RSS.
// The process runs dist/, so the type stripper (amaro) never loads; an OTLP/HTTP-only pipeline
// needs neither grpc-js nor node:http2 nor node:tls; and nothing in Sluice uses undici (an ES
// module import of node:http would load it through node:http's lazy WebSocket getters).
// Nor does it load the components its config does not name (src/component-catalog.ts).
test('an OTLP/HTTP-only pipeline loads no type stripper, grpc-js, http2, tls, undici or unconfigured component', async () => {
  const [http, health, sink] = await freePorts(3);
  const out = join(tempDir(), 'loaded.json');
  const sluice = await startSluice(
    `
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${http} } } }
processors:
  batch: {}
exporters:
  otlphttp: { endpoint: http://127.0.0.1:${sink}, compression: none }
extensions:
  health_check: { endpoint: 127.0.0.1:${health} }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: '' }, logs: { level: warn } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlphttp] }
`,
    { healthPort: health, env: { NODE_OPTIONS: `--import ${join(import.meta.dirname, 'fixtures/loaded-modules.mjs')}`, SLUICE_LOADED_MODULES: out } },
  );
  try {
    const response = await fetch(`http://127.0.0.1:${http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}' });
    expect(response.status).toBe(200);
    sluice.process.kill('SIGUSR2');
    await waitFor(() => existsSync(out), 5_000, 'the loaded-module list');
  } finally {
    await sluice.stop();
  }
  const { builtins, files } = JSON.parse(readFileSync(out, 'utf8')) as { builtins: string[]; files: string[] };
  const loaded = (name: string) => builtins.includes(`NativeModule ${name}`);
  expect(builtins.filter((m) => m.includes('amaro'))).toEqual([]);
  expect(loaded('internal/deps/undici/undici')).toBe(false);
  expect(loaded('http2')).toBe(false);
  expect(loaded('tls')).toBe(false);
  expect(files.filter((f) => f.includes('@grpc/grpc-js'))).toEqual([]);
  const components = new Set(files.map((f) => /\/dist\/(receivers|processors|exporters|extensions|connectors)\/([^/]+)\//.exec(f)).filter((m) => m !== null).map((m) => `${m[1]}/${m[2]}`));
  // exporters/helper and exporters/shared are the exporter framework, not components.
  expect([...components].filter((c) => c !== 'exporters/helper' && c !== 'exporters/shared').sort()).toEqual(['exporters/otlphttp', 'extensions/health_check', 'processors/batch', 'receivers/otlp']);
});
