import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultRegistry } from '../../src/components.ts';
import { ConfigError, loadRawConfig, readRawConfig } from '../../src/config/load.ts';
import { buildGraph } from '../../src/service/graph.ts';
import { ROOT, runCli, tempDir } from '../e2e/harness.ts';

const registry = defaultRegistry();

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    buildGraph(readRawConfig({ files: [], texts: [yaml], env }), registry);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

const MINIMAL = `
receivers: { otlp: {} }
exporters: { debug: {} }
service: { pipelines: { traces: { receivers: [otlp], exporters: [debug] } } }
`;

describe('configuration', () => {
  test('every file in pipelines/ validates', async () => {
    const files = readdirSync(join(ROOT, 'pipelines')).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const result = await runCli(['validate', '--config', join(ROOT, 'pipelines', file)], { SLUICE_REDACTION_KEY: 'test-key' });
      expect(result.code, `${file}: ${result.stderr}`).toBe(0);
    }
  });

  test('sluice validate prints three different mistakes with their paths and exits 2', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:4318, max_request_body_size: lots }
processors:
  batch: { send_batch_size: 100, timeot: 1s }
exporters:
  debug: {}
service:
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [debug, otlphttp] }
`,
    );
    const result = await runCli(['validate', '--config', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('receivers.otlp.protocols.http.max_request_body_size: invalid size');
    expect(result.stderr).toContain('processors.batch.timeot: unknown key "timeot"');
    expect(result.stderr).toContain('service.pipelines.traces.exporters[1]: exporter "otlphttp" is not defined under exporters');
  });

  test('unknown types suggest the near name; unsupported signals and bad pipeline ids are errors', () => {
    const problems = problemsOf(`
receivers: { otlp: {} }
processors: { batchh: {} }
exporters: { debug: {} }
service:
  pipelines:
    spans: { receivers: [otlp], exporters: [debug] }
    traces: { receivers: [otlp], processors: [batchh], exporters: [debug] }
`);
    expect(problems).toContain('processors.batchh: unknown processor type "batchh" (did you mean "batch"?)');
    expect(problems.some((p) => p.startsWith('service.pipelines.spans: unknown signal "spans"'))).toBe(true);
  });

  test('a misspelt service.pipelines is one mistake, not also "at least one pipeline is required"', () => {
    expect(problemsOf(MINIMAL.replace('pipelines:', 'pipeline:'))).toEqual(['service.pipeline: unknown key "pipeline" (did you mean "pipelines"?)']);
    expect(problemsOf('receivers: { otlp: {} }')).toEqual(['service.pipelines: at least one pipeline is required']);
  });

  test('${env:VAR:-default}, ${VAR}, $$ and typed whole references', () => {
    const raw = loadRawConfig({
      files: [],
      texts: ['a: ${env:PORT}\nb: ${HOST}:${env:MISSING:-4318}\nc: price $$5\nd: ${env:FLAG}'],
      env: { PORT: '8080', HOST: 'example', FLAG: 'true' },
    });
    expect(raw).toEqual({ a: 8080, b: 'example:4318', c: 'price $5', d: true });
    expect(() => loadRawConfig({ files: [], texts: ['a: ${env:NOPE}'], env: {} })).toThrow(/NOPE is not set/);
  });

  test('several files merge in order and --set overrides one value', () => {
    const raw = loadRawConfig({
      files: [],
      texts: [MINIMAL, 'exporters: { debug: { verbosity: detailed } }\nservice: { telemetry: { logs: { level: debug } } }'],
      sets: ['service.telemetry.logs.level=warn'],
    });
    const { config } = buildGraph({ raw, problems: [] }, registry);
    expect(config.exporters.get('debug')!.config).toMatchObject({ verbosity: 'detailed' });
    expect(config.telemetry.logs.level).toBe('warn');
    expect(config.pipelines).toEqual([{ id: 'traces', signal: 'traces', receivers: ['otlp'], processors: [], exporters: ['debug'] }]);
  });

  test('defaults are filled in: durations and sizes become numbers', () => {
    const { config } = buildGraph(readRawConfig({ files: [], texts: [MINIMAL, 'processors: { batch: {} }'] }), registry);
    expect(config.processors.get('batch')!.config).toMatchObject({ timeout: 200, send_batch_size: 8192 });
    expect(config.receivers.get('otlp')!.config).toMatchObject({ protocols: { http: { endpoint: '127.0.0.1:4318', max_request_body_size: 20 * 1024 * 1024 } } });
  });

  test('sluice components lists every component with its signals', async () => {
    const result = await runCli(['components']);
    expect(result.code).toBe(0);
    for (const factory of registry.all()) expect(result.stdout).toContain(factory.type);
    expect(result.stdout).toMatch(/exporter\s+otlphttp \(alias: otlp_http\)\s+traces, metrics, logs/);
  });

  test('--version and --help', async () => {
    expect((await runCli(['--version'])).stdout).toMatch(/^sluice \d+\.\d+\.\d+/);
    expect((await runCli(['--help'])).stdout).toContain('sluice validate');
  });
});
