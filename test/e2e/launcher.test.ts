import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { freePorts, LAUNCHER, otlpReceiverYaml, serviceYaml, startSluice } from './harness.ts';

// bin/sluice.js (what npm start and the image run) restarts Node in place with the heap flags
// the performance figures were measured with. The command line is read from the pid this test
// spawned, so flags on it show the restart kept the process (execve), not a child.
async function commandLine(env: NodeJS.ProcessEnv): Promise<string[]> {
  const [grpc, http, health, metrics] = await freePorts(4);
  const sluice = await startSluice(
    `${otlpReceiverYaml(grpc, http)}
exporters:
  debug: {}
${serviceYaml({ health, metrics })}
    traces: { receivers: [otlp], exporters: [debug] }
`,
    { healthPort: health, env, entry: LAUNCHER },
  );
  try {
    return readFileSync(`/proc/${sluice.process.pid!}/cmdline`, 'utf8').split('\0');
  } finally {
    await sluice.stop();
  }
}

const option = (args: string[], name: string) => args.filter((a) => a.startsWith(`${name}=`));

describe('bin/sluice.js', () => {
  test('runs Sluice with its heap flags, in the same process', async () => {
    const args = await commandLine({});
    expect(args.some((a) => a.endsWith('bin/sluice.js'))).toBe(true);
    expect(option(args, '--initial-old-space-size')).toHaveLength(1);
    expect(option(args, '--max-semi-space-size')).toHaveLength(1);
  });

  test('SLUICE_NODE_FLAGS replaces the list, and a flag the user gave Node wins', async () => {
    const none = await commandLine({ SLUICE_NODE_FLAGS: '' });
    expect(option(none, '--initial-old-space-size')).toEqual([]);
    expect(option(none, '--max-semi-space-size')).toEqual([]);

    const own = await commandLine({ NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(option(own, '--max-semi-space-size')).toEqual([]);
    expect(option(own, '--initial-old-space-size')).toHaveLength(1);
  });
});
