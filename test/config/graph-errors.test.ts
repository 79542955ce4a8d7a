import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../e2e/harness.ts';

// Each config in fixtures/ holds mistakes that one hid another, or that passed validation and
// then failed at start. `sluice validate` must list every one, each with its path, and exit 2.
// Before the graph build (8727927), each of these printed fewer lines or "configuration is valid".

const FIXTURES = join(import.meta.dirname, 'fixtures');

async function problemsOf(file: string, extraArgs: string[] = []): Promise<string[]> {
  const result = await runCli(['validate', '--config', join(FIXTURES, file), ...extraArgs]);
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stderr.startsWith('invalid configuration:\n')).toBe(true);
  return result.stderr.trimEnd().split('\n').slice(1).map((line) => line.trim());
}

describe('sluice validate reports every problem at once', () => {
  test('ten different mistakes across components: all ten, each with its path', async () => {
    const problems = await problemsOf('ten-mistakes.yaml');
    expect(problems.sort()).toEqual(
      [
        'exporters.otlphttp.endpoint: environment variable SLUICE_TEST_TEN_MISTAKES_ENDPOINT is not set and has no default (write ${env:SLUICE_TEST_TEN_MISTAKES_ENDPOINT:-default})',
        'receivers.otlp.protocols.grpc.endpoint: endpoint "localhost" needs a port (write host:port, e.g. 127.0.0.1:4317 or 0.0.0.0:4317)',
        'processors.batch.timeot: unknown key "timeot"',
        'exporters.file.path: "path" is required (a string)',
        'exporters.otlphttp.retry_on_failure.multiplier: must be at least 1, got 0',
        'receivers.otlp.protocols.http.auth.authenticator: extension "bearertokenauth" is not defined under extensions',
        'processors.tenant.header: receiver "otlp" of pipeline traces does not pass header "x-tenant" on: add it to receivers.otlp.metadata_headers',
        'service.pipelines.traces.processors[1]: "routing" must be the last processor: it hands batches to exporters, so "batch" after it would never see data',
        'processors.routing.table[0].exporters[0]: exporter "otlp/acme" is not among the exporters of pipeline traces ("debug", "file", "otlphttp"); add it there',
        'exporters.debug.sending_queue.storage: extension "health_check" is not a storage extension',
      ].sort(),
    );
  });

  test('cross-references that used to pass validate and fail at start, one per run', async () => {
    const problems = await problemsOf('cross-references.yaml');
    expect(problems).toHaveLength(4);
    expect(problems).toContain('receivers.otlp.protocols.http.auth.authenticator: extension "bearertokenauth" is not defined under extensions');
    expect(problems).toContain('exporters.debug.sending_queue.storage: extension "file_storage" is not defined under extensions');
    expect(problems.some((p) => p.startsWith('processors.routing.table[0].exporters[0]: exporter "otlphttp/acme" is not among'))).toBe(true);
    expect(problems.some((p) => p.startsWith('service.pipelines.traces.processors[0]: "routing" must be the last processor'))).toBe(true);
  });

  test('a top-level typo hides nothing and invents no missing pipeline', async () => {
    expect(await problemsOf('hidden-by-typo.yaml')).toEqual([
      'processor: unknown key "processor" (did you mean "processors"?)',
      'exporters.debug.verbosity: must be one of "basic", "normal", "detailed"; got "loud"',
    ]);
  });

  test('a --set of an unknown key hides nothing either', async () => {
    expect(await problemsOf('missing-field.yaml', ['--set', 'servce.telemetry.logs.level=debug'])).toEqual([
      'servce: unknown key "servce" (did you mean "service"?)',
      'exporters.file.path: "path" is required (a string)',
    ]);
  });

  test("a typo inside one pipeline leaves every pipeline's references checked: six mistakes, six lines", async () => {
    expect(await problemsOf('six-mistakes.yaml')).toEqual([
      'service.pipelines.traces.exporter: unknown key "exporter" (did you mean "exporters"?)',
      'service.pipelines.metrics.receivers[1]: receiver "prometheus" is not defined under receivers',
      'service.pipelines.metrics.processors[0]: processor "memory_limiter" is not defined under processors',
      'service.pipelines.metrics.exporters[1]: exporter "otlphttp" is not defined under exporters',
      'service.pipelines.logs.processors[0]: processor "batch" is not defined under processors',
      'service.pipelines.logs.exporters[0]: exporter "file" is not defined under exporters',
    ]);
  });

  test('an unset environment variable is reported with the schema problems behind it, without an echo', async () => {
    expect(await problemsOf('unset-variable.yaml')).toEqual([
      'exporters.otlphttp.endpoint: environment variable SLUICE_TEST_UNSET_ENDPOINT is not set and has no default (write ${env:SLUICE_TEST_UNSET_ENDPOINT:-default})',
      'exporters.debug.verbosity: must be one of "basic", "normal", "detailed"; got "loud"',
    ]);
  });

  test('a missing required field says which field and what to write, not the schema library', async () => {
    expect(await problemsOf('missing-field.yaml')).toEqual(['exporters.file.path: "path" is required (a string)']);
  });

  test('an endpoint without a port is refused for gRPC (which would bind 443) and HTTP', async () => {
    expect(await problemsOf('no-port.yaml')).toEqual([
      'receivers.otlp.protocols.grpc.endpoint: endpoint "localhost" needs a port (write host:port, e.g. 127.0.0.1:4317 or 0.0.0.0:4317)',
      'receivers.otlp.protocols.http.endpoint: endpoint "127.0.0.1" needs a port (write host:port, e.g. 127.0.0.1:4317 or 0.0.0.0:4317)',
    ]);
  });
});
