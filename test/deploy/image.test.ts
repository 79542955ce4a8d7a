// The container image without a container engine (none runs here or in CI): the Dockerfile and
// .dockerignore are read as Docker reads them, and the runtime stage's file set is checked.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, ROOT, serviceYaml, startSluice, type RunningSluice } from '../e2e/harness.ts';

interface Instruction {
  op: string;
  args: string;
}

/** Instructions per stage, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): { name: string | undefined; instructions: Instruction[] }[] {
  const stages: { name: string | undefined; instructions: Instruction[] }[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op.toUpperCase() === 'FROM') stages.push({ name: /\s+AS\s+(\S+)/i.exec(args)?.[1], instructions: [] });
    stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** .dockerignore as Docker applies it: the last pattern matching a path or one of its parents wins. */
function ignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const body = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = body.split('**').map((part) => part.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    let excluded = false;
    for (const { negated, regex } of patterns) {
      for (let i = 1; i <= parts.length; i++) {
        if (regex.test(parts.slice(0, i).join('/'))) {
          excluded = !negated;
          break;
        }
      }
    }
    return excluded;
  };
}

/** The build context: every file .dockerignore lets through (a fully ignored directory is not walked). */
function contextFiles(isIgnored: (path: string) => boolean, negatedDirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = relative(ROOT, join(dir, entry.name));
      if (entry.isDirectory()) {
        if (isIgnored(path) && !negatedDirs.some((d) => d === path || d.startsWith(`${path}/`))) continue;
        walk(join(dir, entry.name));
      } else if (!isIgnored(path)) out.push(path);
    }
  };
  walk(ROOT);
  return out;
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const ignoreText = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
const isIgnored = ignoreMatcher(ignoreText);
const negatedDirs = ignoreText.split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/+$/, ''));
const context = contextFiles(isIgnored, negatedDirs);
const runtime = dockerfile[dockerfile.length - 1];

describe('container image', () => {
  it('has a small build context: no node_modules, .git, dist, tests or benchmarks', () => {
    for (const heavy of ['node_modules', '.git', 'dist', 'test', 'benchmarks', 'out', 'data', 'deploy']) {
      expect(context.some((f) => f === heavy || f.startsWith(`${heavy}/`)), heavy).toBe(false);
    }
    const bytes = context.reduce((n, f) => n + statSync(join(ROOT, f)).size, 0);
    expect(bytes).toBeLessThan(8 << 20);
    expect(context).toContain('package-lock.json');
  });

  it('copies only paths that exist and are in the context', () => {
    for (const stage of dockerfile) {
      for (const { op, args } of stage.instructions) {
        if (op !== 'COPY' || args.startsWith('--from=')) continue;
        const sources = args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
        for (const source of sources) {
          expect(existsSync(join(ROOT, source)), source).toBe(true);
          expect(context.some((f) => f === source || f.startsWith(`${source}/`)), `${source} in the context`).toBe(true);
        }
      }
    }
  });

  it('runtime stage: production dependencies only, built JavaScript, a non-root user, and a health probe without curl', () => {
    const ops = runtime.instructions;
    const run = ops.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    expect(run).toMatch(/npm ci --omit=dev/);
    expect(`${run}\n${ops.map((i) => i.args).join('\n')}`).not.toMatch(/\b(curl|wget|apt-get)\b/);
    const copies = ops.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.some((c) => c.startsWith('--from=build') && /\/dist\s/.test(c))).toBe(true);
    expect(copies.some((c) => /\bsrc\b/.test(c) && !c.startsWith('--from'))).toBe(false); // TypeScript stays in the build stage
    const userIndex = ops.findIndex((i) => i.op === 'USER');
    expect(userIndex).toBeGreaterThan(-1);
    expect(ops[userIndex].args).not.toMatch(/^(root|0)(:|$)/);
    expect(userIndex).toBeLessThan(ops.findIndex((i) => i.op === 'ENTRYPOINT'));
    const health = ops.find((i) => i.op === 'HEALTHCHECK')!;
    expect(health.args).toMatch(/CMD \["node", "bin\/healthcheck\.js"\]/);
    expect(copies.some((c) => /^bin\s/.test(c))).toBe(true);
  });

  it('every package the running code imports is a production dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(ts|js|mjs)$/.test(entry.name)) {
          const text = readFileSync(path, 'utf8');
          for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
            const spec = m[1] ?? m[2];
            if (spec.startsWith('.') || spec.startsWith('node:')) continue;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
          }
        }
      }
    };
    walk(join(ROOT, 'src'));
    walk(join(ROOT, 'bin'));
    expect(imported.size).toBeGreaterThan(3);
    for (const name of imported) expect(pkg.dependencies, `${name} imported by src/ or bin/`).toHaveProperty([name]);
  });
});

describe('bin/healthcheck.js', () => {
  let sluice: RunningSluice | undefined;
  afterAll(async () => sluice?.stop());

  it('exits 0 while health_check answers 200, and 1 when nothing answers', async () => {
    const [health, metrics, grpc, closed] = await freePorts(4);
    sluice = await startSluice(`
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:${grpc} } } } }
exporters: { debug: {} }
${serviceYaml({ health, metrics })}
    traces: { receivers: [otlp], exporters: [debug] }
`, { healthPort: health });
    const probe = (url: string) => spawnSync(process.execPath, [join(ROOT, 'bin/healthcheck.js')], { env: { ...process.env, SLUICE_HEALTH_URL: url } }).status;
    expect(probe(`http://127.0.0.1:${health}/`)).toBe(0);
    expect(probe(`http://127.0.0.1:${closed}/`)).toBe(1);
    expect(probe(`http://127.0.0.1:${metrics}/missing`)).toBe(1);
  });
});
