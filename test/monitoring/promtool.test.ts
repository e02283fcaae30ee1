/**
 * The alert rules checked by Prometheus's own tool: `promtool check rules` on
 * every rule file, `promtool test rules` on every unit test, and every alert
 * (each severity of it) shown firing and not firing by those tests.
 * `promtool` comes with Debian's `prometheus` package (.ci/run installs it).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { alertRules, alertsDir, monitoringDir, ruleFiles, ruleTestFiles } from "./monitoring-assets.js";

const run = promisify(execFile);

/** Runs promtool; a failure's output becomes the assertion message. */
async function promtool(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run("promtool", args, { cwd, timeout: 60_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === "ENOENT") assert.fail("promtool is not installed: apt-get install prometheus (Debian), as .ci/run does");
    assert.fail(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

/** What a promtool unit test file says of each alert: the severities seen firing, and whether it is seen silent. */
interface Coverage {
  firing: Set<string>;
  silent: boolean;
}

type AlertTest = { alertname: string; exp_alerts?: Array<{ exp_labels?: Record<string, string> }> | null };

function coverageOf(testFile: string): Map<string, Coverage> {
  const doc = parseYaml(readFileSync(testFile, "utf8")) as { tests?: Array<{ alert_rule_test?: AlertTest[] }> };
  const coverage = new Map<string, Coverage>();
  for (const t of doc.tests ?? []) {
    for (const check of t.alert_rule_test ?? []) {
      const entry = coverage.get(check.alertname) ?? { firing: new Set(), silent: false };
      coverage.set(check.alertname, entry);
      const expected = check.exp_alerts ?? [];
      if (expected.length === 0) entry.silent = true;
      for (const alert of expected) entry.firing.add(alert.exp_labels?.severity ?? "(none)");
    }
  }
  return coverage;
}

const testFileFor = (ruleFile: string) => path.join(alertsDir, "tests", path.basename(ruleFile).replace(/\.yml$/, ".test.yml"));

describe("alert rules under promtool", () => {
  test("there are rule files, each with its unit test file, and no test without its rule file", () => {
    assert.ok(ruleFiles().length > 0, "no rule file under infra/monitoring/alerts");
    const expected = ruleFiles().map(testFileFor).sort();
    assert.deepEqual(ruleTestFiles(), expected);
  });

  for (const file of ruleFiles()) {
    const name = path.basename(file);
    test(`promtool check rules ${name}`, async () => {
      const out = await promtool(["check", "rules", file], alertsDir);
      assert.match(out, /SUCCESS: \d+ rules found/);
    });

    test(`promtool test rules tests/${name.replace(/\.yml$/, ".test.yml")}`, async () => {
      const out = await promtool(["test", "rules", testFileFor(file)], alertsDir);
      assert.match(out, /SUCCESS/);
    });

    test(`every alert of ${name}, at each of its severities, is tested firing, and not firing`, () => {
      const coverage = coverageOf(testFileFor(file));
      for (const rule of alertRules().filter((r) => r.file === path.relative(monitoringDir, file))) {
        const seen = coverage.get(rule.alert);
        assert.ok(seen?.firing.has(rule.labels.severity ?? "(none)"), `${rule.alert} (${rule.labels.severity}) is never expected to fire`);
        assert.ok(seen?.silent, `${rule.alert} is never expected to stay silent`);
      }
    });
  }

  test("prometheus.yml loads every rule file (promtool check config)", async () => {
    const out = await promtool(["check", "config", path.join(monitoringDir, "prometheus.yml")], monitoringDir);
    assert.match(out, new RegExp(`SUCCESS: ${ruleFiles().length} rule files found`));
  });

  test("alerts follow the monitoring-mixins conventions: Wallet-prefixed CamelCase names, a warning or critical severity, a summary and a templated description", () => {
    const rules = alertRules();
    assert.ok(rules.length > 0);
    for (const rule of rules) {
      const where = `${rule.file} ${rule.alert}`;
      assert.match(rule.alert, /^Wallet(?:[A-Z][a-z0-9]+)+$/, `${where}: name`);
      assert.ok(["warning", "critical"].includes(rule.labels.severity ?? ""), `${where}: severity ${rule.labels.severity}`);
      assert.ok(rule.annotations.summary && !rule.annotations.summary.includes("{{"), `${where}: a summary without templates`);
      // An absent() alert has no series to describe; every other names what fired.
      if (!rule.expr.trim().startsWith("absent(")) assert.match(rule.annotations.description ?? "", /\{\{ \$(labels\.\w+|value)/, `${where}: a description naming what fired`);
      else assert.ok(rule.annotations.description, `${where}: a description`);
      if (rule.for !== undefined) assert.match(rule.for, /^\d+[smh]$/, `${where}: for`);
    }
    // The same name twice is one alert at two severities, never two meanings.
    const byName = new Map<string, typeof rules>();
    for (const rule of rules) byName.set(rule.alert, [...(byName.get(rule.alert) ?? []), rule]);
    for (const [name, same] of byName) {
      const severities = same.map((rule) => rule.labels.severity);
      assert.equal(new Set(severities).size, severities.length, `${name} twice at one severity`);
      assert.equal(new Set(same.map((rule) => rule.file)).size, 1, `${name} in two files`);
    }
  });
});
