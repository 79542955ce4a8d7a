// The shipped SLI rules and alerts, through promtool: they load, their unit tests pass, every
// alert carries runbook text and is both triggered and cleared by the tests, and a broken
// threshold makes the tests fail (so they can fail).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../e2e/harness.ts';
import { CI, findBinary, requireUnderCi } from '../support/system.ts';

const DIR = join(ROOT, 'deploy/prometheus');
const promtool = findBinary('promtool');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}

const rules = (parse(readFileSync(join(DIR, 'sluice-rules.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert !== undefined);

function promtoolRun(args: string[], cwd: string) {
  return spawnSync(promtool!, args, { cwd, encoding: 'utf8' });
}

describe('Prometheus rules', () => {
  test('every alert has a summary and runbook text', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of alerts) {
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.runbook?.length ?? 0, alert.alert).toBeGreaterThan(80);
    }
  });

  test('every alert is tested firing, and cleared later', () => {
    const tests = (parse(readFileSync(join(DIR, 'sluice-rules.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts: unknown[] }> }> }).tests;
    const minutes = (t: string) => Number.parseInt(t, 10);
    for (const { alert } of alerts) {
      const cases = tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === alert);
      const firing = cases.filter((c) => c.exp_alerts.length > 0).map((c) => minutes(c.eval_time));
      const cleared = cases.filter((c) => c.exp_alerts.length === 0).map((c) => minutes(c.eval_time));
      expect(firing.length, `${alert} fires in a test`).toBeGreaterThan(0);
      expect(cleared.some((t) => t > Math.min(...firing)), `${alert} clears after firing in a test`).toBe(true);
    }
  });

  describe.skipIf(promtool === undefined && !CI)('promtool', () => {
    test('is installed (required under CI)', () => {
      requireUnderCi('promtool', promtool, 'prometheus');
    });

    test('check rules and test rules pass', () => {
      const check = promtoolRun(['check', 'rules', 'sluice-rules.yml'], DIR);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      const run = promtoolRun(['test', 'rules', 'sluice-rules.test.yml'], DIR);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('SUCCESS');
    });

    test('a heartbeat alert that ignored the deadline would fail its test', () => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-rules-'));
      copyFileSync(join(DIR, 'sluice-rules.test.yml'), join(dir, 'sluice-rules.test.yml'));
      const text = readFileSync(join(DIR, 'sluice-rules.yml'), 'utf8');
      const broken = text.replace('group_left () sluice:heartbeat_deadline_seconds', 'group_left () (100 * sluice:heartbeat_deadline_seconds)');
      expect(broken).not.toBe(text);
      writeFileSync(join(dir, 'sluice-rules.yml'), broken);
      const run = promtoolRun(['test', 'rules', 'sluice-rules.test.yml'], dir);
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('SluiceHeartbeatStale');
    });
  });
});
