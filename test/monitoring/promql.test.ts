/**
 * Every PromQL expression of the monitoring assets (alert rules, dashboard
 * panels, dashboard variable queries) parses with Prometheus's grammar and
 * selects metrics the code defines; the dashboards are Grafana JSON with a
 * Prometheus datasource variable. Whether the running processes really export
 * each metric is checked against the mesh started by test/mesh/mesh.test.ts.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Registry, collectDefaultMetrics } from "prom-client";
import { SCRAPE_SERIES, metricNamesOf } from "./exported-metrics.js";
import { metricOwnershipProblems } from "./metric-ownership.js";
import { dashboards, monitoringExpressions, panelsOf } from "./monitoring-assets.js";
import { expandGrafanaVariables, parsePromql } from "./promql.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the PromQL parser", () => {
  test("collects every selector's metric and matchers", () => {
    const parsed = parsePromql('sum by (service) (rate(rpc_requests_total{service="ledger", code!~"ok|canceled"}[5m])) / on() group_left {__name__="up", process=\'x\'}');
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.selectors, [
      { metric: "rpc_requests_total", matchers: [{ label: "service", op: "=", value: "ledger" }, { label: "code", op: "!~", value: "ok|canceled" }] },
      { metric: "up", matchers: [{ label: "process", op: "=", value: "x" }] },
    ]);
  });

  test("reports a broken expression", () => {
    assert.notDeepEqual(parsePromql("rate(rpc_requests_total[5m)").errors, []);
    assert.notDeepEqual(parsePromql("sum by (service (up)").errors, []);
  });

  test("expands Grafana's variables into PromQL", () => {
    assert.equal(expandGrafanaVariables('rate(x{service=~"$service", i=~"${instance}"}[$__rate_interval])'), 'rate(x{service=~".*", i=~".*"}[5m])');
  });
});

/** prom-client's default process metrics, read from a registry that collects them. */
async function defaultMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return metricNamesOf(await registry.metrics());
}

/** Every string literal of the TypeScript under platform/ and services/ (where metrics are defined). */
function sourceStrings(): Set<string> {
  const strings = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "test") walk(full);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        for (const match of readFileSync(full, "utf8").matchAll(/"([a-z_][a-z0-9_]*)"/g)) strings.add(match[1]!);
      }
    }
  };
  walk(path.join(repoRoot, "platform"));
  walk(path.join(repoRoot, "services"));
  return strings;
}

describe("metric ownership", () => {
  const catalogue = [
    { name: "ledger", service: "ledger" },
    { name: "ledger-outbox-relay", service: "ledger" },
    { name: "risk", service: "risk" },
    { name: "audit-export", service: "audit-export" },
  ] as const;
  const exported = new Map<string, Set<string>>([
    ["ledger", new Set(["rpc_requests_total", "ledger_risk_circuit_state", "risk_decisions_total"])],
    ["ledger-outbox-relay", new Set(["rpc_requests_total", "outbox_backlog"])],
    ["risk", new Set(["rpc_requests_total"])],
    ["audit-export", new Set(["rpc_requests_total"])],
  ]);
  const problems = (expr: string) => metricOwnershipProblems([{ source: "t", expr }], catalogue, exported);

  test("a metric exported by the process an expression names, or by some process, passes", () => {
    assert.deepEqual(problems('rate(rpc_requests_total{service="risk"}[5m]) + outbox_backlog + ledger_risk_circuit_state{service=~"ledger|risk"}'), []);
    assert.deepEqual(problems('up{process="audit-export"} == 0'), []);
  });

  test("a metric the named process does not export, or that no process of its prefix's service exports, fails", () => {
    assert.match(problems('outbox_backlog{service="ledger"}')[0] ?? "", /exported by none of ledger; exported by ledger-outbox-relay/);
    assert.match(problems("risk_decisions_total")[0] ?? "", /exported by none of risk \(the processes of risk, by its prefix\); exported by ledger/);
    assert.match(problems("audit_export_lag_seconds")[0] ?? "", /exported by no process/);
  });

  test("a selection that names no process of the mesh fails", () => {
    assert.match(problems('rpc_requests_total{service="payments"}')[0] ?? "", /names no process/);
    assert.match(problems('up{process="nope"}')[0] ?? "", /names no process/);
  });
});

describe("the monitoring assets' PromQL", () => {
  const expressions = monitoringExpressions();

  test("there are expressions from the alert rules and from both dashboards", () => {
    assert.ok(expressions.some((e) => e.source.startsWith("alerts/")));
    for (const file of ["dashboards/audit-export-dashboard.json", "dashboards/mesh-overview-dashboard.json"]) assert.ok(expressions.some((e) => e.source.startsWith(file)), file);
  });

  for (const { source, expr } of expressions) {
    test(`parses: ${source}`, () => {
      const parsed = parsePromql(expr);
      assert.deepEqual(parsed.errors, [], expr);
      assert.ok(parsed.selectors.length > 0, `${source} selects no metric: ${expr}`);
    });
  }

  test("every metric selected is defined: by a metric of platform/ or services/, prom-client's defaults, or Prometheus's own per-target series", async () => {
    const defaults = await defaultMetricNames();
    const strings = sourceStrings();
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
    const unknown = expressions.flatMap(({ source, expr }) =>
      parsePromql(expr)
        .selectors.map((s) => s.metric)
        .filter((metric) => !SCRAPE_SERIES.has(metric) && !defaults.has(metric) && !strings.has(metric) && !strings.has(base(metric)))
        .map((metric) => `${metric} (${source})`),
    );
    // The audit-export worker's metrics are defined by services/audit-export once it lands.
    assert.deepEqual(unknown, []);
  });
});

describe("the dashboards", () => {
  for (const dashboard of dashboards()) {
    test(`${dashboard.file} is Grafana JSON over a \${datasource} Prometheus variable, of timeseries and stat panels with PromQL targets`, () => {
      assert.ok(dashboard.uid && dashboard.title, "uid and title");
      assert.equal(dashboard.schemaVersion, 39);
      const datasource = dashboard.templating.list.find((v) => v.name === "datasource");
      assert.equal(datasource?.type, "datasource");
      assert.equal(datasource?.query, "prometheus");
      const panels = panelsOf(dashboard);
      const ids = panels.map((p) => (p as { id?: number }).id);
      assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
      for (const panel of panels) {
        if (panel.type === "row") continue;
        assert.ok(["timeseries", "stat"].includes(panel.type), `${panel.title}: ${panel.type}`);
        assert.equal(panel.datasource?.uid, "${datasource}", `${panel.title}: datasource`);
        assert.ok((panel.targets ?? []).length > 0, `${panel.title}: targets`);
        for (const target of panel.targets ?? []) {
          assert.ok(target.expr, `${panel.title} ${target.refId}: expr`);
          assert.equal(target.datasource?.uid, "${datasource}", `${panel.title} ${target.refId}: datasource`);
        }
      }
      for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) assert.equal(variable.datasource?.uid, "${datasource}", variable.name);
    });
  }

  test("dashboard uids are unique", () => {
    const uids = dashboards().map((d) => d.uid);
    assert.equal(new Set(uids).size, uids.length);
  });
});
