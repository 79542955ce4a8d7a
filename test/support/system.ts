// System programs some suites need (Debian packages: prometheus with promtool, chromium), and a
// real Prometheus to scrape Sluice. Locally a missing program skips those suites; under CI=true
// the suite fails and says what to install.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** `$<NAME>_BIN` when set, else the first of PATH and /usr/bin that has it. */
export function findBinary(name: string, envVar = `${name.toUpperCase()}_BIN`): string | undefined {
  const override = process.env[envVar];
  if (override !== undefined && override !== '') return existsSync(override) ? override : undefined;
  const candidates = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, name));
  candidates.push(join('/usr/bin', name));
  return candidates.find((path) => existsSync(path));
}

/** Throws (so the suite fails, not skips) when CI is set and the program is missing. */
export function requireUnderCi(name: string, path: string | undefined, apt: string): void {
  if (path === undefined && CI) {
    throw new Error(`${name} is not installed (looked on PATH and in /usr/bin) but CI is set: install the Debian package, e.g. \`apt-get install -y --no-install-recommends ${apt}\``);
  }
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A throwaway Prometheus on a given port, scraping `targets` every second and evaluating `ruleFiles`. */
export class RealPrometheus {
  readonly url: string;
  #process: ChildProcess | undefined;
  #dir = '';
  #log = '';

  constructor(port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(binary: string, targets: string[], ruleFiles: string[] = []): Promise<void> {
    this.#dir = await mkdtemp(join(tmpdir(), 'sluice-prom-'));
    const config = join(this.#dir, 'prometheus.yml');
    const files = ruleFiles.map((f) => `  - ${JSON.stringify(f)}\n`).join('');
    await writeFile(
      config,
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${files === '' ? '' : `rule_files:\n${files}`}scrape_configs:\n  - job_name: sluice\n    static_configs:\n      - targets: ${JSON.stringify(targets)}\n`,
    );
    const port = new URL(this.url).port;
    this.#process = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(this.#dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process.stdout?.on('data', (c: Buffer) => (this.#log += c.toString()));
    this.#process.stderr?.on('data', (c: Buffer) => (this.#log += c.toString()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.#process.exitCode !== null) break;
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Prometheus did not become ready:\n${this.#log.slice(-2000)}`);
  }

  /** An instant query; throws with Prometheus's message when the query does not parse or evaluate. */
  async query(promql: string): Promise<VectorSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: VectorSample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result;
  }

  /** Samples of `promql` every `stepSeconds` from `start` to `end` (Unix seconds), one series per result. */
  async queryRange(promql: string, start: number, end: number, stepSeconds: number): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
    const params = new URLSearchParams({ query: promql, start: String(start), end: String(end), step: String(stepSeconds) });
    const response = await fetch(`${this.url}/api/v1/query_range?${params}`);
    const body = (await response.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }; error?: string };
    if (body.status !== 'success') throw new Error(`query_range ${promql} failed: ${body.error}`);
    return body.data.result;
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.#dir !== '') await rm(this.#dir, { recursive: true, force: true });
  }
}
