/**
 * scripts/ops/leadwire-alerts.yml: Prometheus loads it (`promtool check rules`), every alert
 * behaves as its unit tests say (`promtool test rules`), every alert is tested both firing and
 * quiet, and every alert's runbook link lands on a heading of README.md.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = 'scripts/ops/leadwire-alerts.yml';
const TESTS = 'scripts/ops/leadwire-alerts.test.yml';
// Debian's `prometheus` package; CI installs it, so a machine without it fails rather than skips.
const PROMTOOL = '/usr/bin/promtool';

const run = promisify(execFile);

/** promtool's exit code and everything it printed (it reports failures on stdout). */
async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`${PROMTOOL} is missing — apt-get install prometheus (it brings promtool)`);
  }
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      output: `${String(error)}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}

const lines = (file: string) => readFileSync(path.join(ROOT, file), 'utf8').split('\n');

interface Alert {
  name: string;
  severity?: string;
  runbook?: string;
}

/**
 * The alerts of the rules file, read line by line (the project has no YAML parser): an
 * `- alert:` line starts one, a `- record:` line ends it, and `severity:` and `runbook:` lines
 * belong to the alert they follow. promtool has already checked that the file is valid YAML.
 */
function alertsOf(file: string): Alert[] {
  const alerts: Alert[] = [];
  let current: Alert | undefined;
  for (const line of lines(file)) {
    const started = /^\s*- alert: (\S+)\s*$/.exec(line);
    if (started) {
      current = { name: started[1]! };
      alerts.push(current);
    } else if (/^\s*- record: /.test(line)) {
      current = undefined;
    } else if (current) {
      const severity = /^\s*severity: (\S+)\s*$/.exec(line);
      if (severity) current.severity = severity[1];
      const runbook = /^\s*runbook: (\S+)\s*$/.exec(line);
      if (runbook) current.runbook = runbook[1];
    }
  }
  return alerts;
}

/**
 * For each alert named in the unit tests, whether some case expects it firing and some case
 * expects it quiet. Each `alertname:` line must be followed by its `exp_alerts:` (then either
 * `[]` or a first `- exp_labels:`); any other layout fails, rather than being misread.
 */
function casesOf(file: string): Map<string, { firing: boolean; quiet: boolean }> {
  const cases = new Map<string, { firing: boolean; quiet: boolean }>();
  const text = lines(file);
  text.forEach((line, index) => {
    const named = /^\s*alertname: (\S+)\s*$/.exec(line);
    if (!named) return;
    const name = named[1]!;
    const expected = text[index + 1] ?? '';
    const seen = cases.get(name) ?? { firing: false, quiet: false };
    if (/^\s*exp_alerts: \[\]\s*$/.test(expected)) seen.quiet = true;
    else if (
      /^\s*exp_alerts:\s*$/.test(expected) &&
      /^\s*- exp_labels:/.test(text[index + 2] ?? '')
    )
      seen.firing = true;
    else throw new Error(`${file}:${index + 2}: expected exp_alerts after alertname ${name}`);
    cases.set(name, seen);
  });
  return cases;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('Prometheus alert rules', () => {
  it('load in Prometheus (promtool check rules)', async () => {
    const { code, output } = await promtool('check', 'rules', RULES);
    expect(code, output).toBe(0);
    expect(output).toMatch(/SUCCESS/);
  });

  it('pass their unit tests (promtool test rules)', async () => {
    const { code, output } = await promtool('test', 'rules', TESTS);
    expect(code, output).toBe(0);
    expect(output).toMatch(/SUCCESS/);
  });

  const alerts = alertsOf(RULES);

  it('are named Leadwire… and carry a severity', () => {
    expect(alerts.length).toBeGreaterThan(10);
    for (const alert of alerts) {
      expect(alert.name).toMatch(/^Leadwire[A-Z][A-Za-z]+$/);
      expect(['critical', 'warning'], alert.name).toContain(alert.severity);
    }
    expect(new Set(alerts.map((alert) => alert.name)).size).toBe(alerts.length);
  });

  it('each link to their own runbook section in README.md', () => {
    const headings = new Set(
      lines('README.md').flatMap((line) => {
        const heading = /^#### (.+)$/.exec(line);
        return heading ? [slug(heading[1]!)] : [];
      }),
    );
    const unlinked = alerts.filter(
      (alert) =>
        alert.runbook !== `README.md#${slug(alert.name)}` || !headings.has(slug(alert.name)),
    );
    expect(
      unlinked.map((alert) => `${alert.name}: ${alert.runbook ?? 'no runbook'}`),
      'each alert needs runbook: README.md#<anchor> and a "#### <AlertName>" heading in README.md',
    ).toEqual([]);
  });

  it('are each tested firing and quiet', () => {
    const cases = casesOf(TESTS);
    const untested = alerts.flatMap((alert) => {
      const seen = cases.get(alert.name);
      return [
        ...(seen?.firing ? [] : [`${alert.name}: no case where it fires`]),
        ...(seen?.quiet ? [] : [`${alert.name}: no case where it stays quiet (exp_alerts: [])`]),
      ];
    });
    expect(untested).toEqual([]);
    // A test of an alert the rules no longer have would pass for the wrong reason.
    expect([...cases.keys()].filter((name) => !alerts.some((a) => a.name === name))).toEqual([]);
  });
});
