import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { COMPONENTS } from '../../src/components.ts';
import type { AnyFactory, Consumer } from '../../src/core/component.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { ServiceHost } from '../../src/service/host.ts';
import { tempDir } from '../e2e/harness.ts';

// Run over every registered component: its defaults (plus the few required fields) are valid,
// shutdown works without start, and start then shutdown works.

/** Fields a component cannot default (where to send, where to read). */
function writeFile(dir: string, name: string, text: string): string {
  writeFileSync(`${dir}/${name}`, text);
  return `${dir}/${name}`;
}

function minimalConfig(factory: AnyFactory): Record<string, unknown> {
  const dir = tempDir('contract-');
  const required: Record<string, Record<string, unknown>> = {
    'exporter/otlp': { endpoint: '127.0.0.1:1' },
    'exporter/otlphttp': { endpoint: 'http://127.0.0.1:1' },
    'exporter/file': { path: `${dir}/out.jsonl` },
    'exporter/prometheusremotewrite': { endpoint: 'http://127.0.0.1:1/api/v1/write' },
    'extension/health_check': { endpoint: '127.0.0.1:0' },
    'extension/status_page': { endpoint: '127.0.0.1:0' },
    'extension/file_storage': { directory: dir },
    'extension/bearertokenauth': { tokens_file: writeFile(dir, 'tokens.yaml', 'tokens:\n  - { token: t0k3n, tenant: acme }\n') },
    'receiver/otlp': { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } },
  };
  return required[`${factory.kind}/${factory.type}`] ?? {};
}

const logger = pino({ level: 'silent' });
const sink: Consumer = { consume: async () => {} };

function create(factory: AnyFactory) {
  const parsed = factory.configSchema.safeParse(minimalConfig(factory));
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  const base = { id: factory.type, config: parsed.data, telemetry: new Telemetry(), logger, host: new ServiceHost() };
  switch (factory.kind) {
    case 'receiver':
      return factory.create({
        ...base,
        consumers: { traces: sink, metrics: sink, logs: sink },
        pipelines: factory.signals.map((signal) => ({ id: signal, signal, exporters: ['debug'], consumer: sink })),
      });
    case 'processor':
      return factory.create({ ...base, pipelineId: factory.signals[0], signal: factory.signals[0], next: sink, exporters: new Map([['debug', sink]]) });
    case 'exporter':
      return factory.create({ ...base, signal: factory.signals[0] });
    case 'extension':
      return factory.create(base);
  }
}

describe.each(COMPONENTS.map((f) => [`${f.kind} ${f.type}`, f] as const))('%s', (_name, factory) => {
  test('the default config (with required fields) is valid', () => {
    expect(factory.configSchema.safeParse(minimalConfig(factory)).success).toBe(true);
  });

  test('unknown keys are refused', () => {
    expect(factory.configSchema.safeParse({ ...minimalConfig(factory), no_such_option: 1 }).success).toBe(false);
  });

  test('shutdown works without start, and twice', async () => {
    const component = await create(factory);
    await component.shutdown?.();
    await component.shutdown?.();
  });

  test('start then shutdown', async () => {
    const component = await create(factory);
    await component.start?.();
    await component.shutdown?.();
  });
});
