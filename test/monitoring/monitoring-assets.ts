import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { expandGrafanaVariables } from "./promql.js";

export const monitoringDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../infra/monitoring");
export const alertsDir = path.join(monitoringDir, "alerts");
export const alertTestsDir = path.join(alertsDir, "tests");
export const dashboardsDir = path.join(monitoringDir, "dashboards");

/** One alerting rule as written in a rule file. */
export interface AlertRule {
  readonly file: string;
  readonly group: string;
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A PromQL expression of the monitoring assets, with where it comes from. */
export interface SourcedExpression {
  /** e.g. `alerts/outbox-alerts.yml WalletOutboxBacklogHigh` or `dashboards/x.json "Panel title" A`. */
  readonly source: string;
  /** The expression as Prometheus evaluates it (Grafana variables expanded). */
  readonly expr: string;
}

const listed = (dir: string, suffix: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(dir, name));

/** The rule files (alerts/*.yml, the files prometheus.yml's rule_files loads). */
export const ruleFiles = (): string[] => listed(alertsDir, ".yml");
/** The promtool unit tests (alerts/tests/*.test.yml). */
export const ruleTestFiles = (): string[] => listed(alertTestsDir, ".test.yml");
/** The Grafana dashboards (dashboards/*.json). */
export const dashboardFiles = (): string[] => listed(dashboardsDir, ".json");

const relative = (file: string) => path.relative(monitoringDir, file);

/** Every alerting rule of every rule file. */
export function alertRules(): AlertRule[] {
  return ruleFiles().flatMap((file) => {
    const doc = parseYaml(readFileSync(file, "utf8")) as { groups?: Array<{ name: string; rules: Array<Record<string, unknown>> }> };
    return (doc.groups ?? []).flatMap((group) =>
      group.rules
        .filter((rule) => typeof rule.alert === "string")
        .map((rule) => ({
          file: relative(file),
          group: group.name,
          alert: rule.alert as string,
          expr: String(rule.expr),
          ...(rule.for !== undefined ? { for: String(rule.for) } : {}),
          labels: (rule.labels ?? {}) as Record<string, string>,
          annotations: (rule.annotations ?? {}) as Record<string, string>,
        })),
    );
  });
}

/** A dashboard's panels, rows' nested panels included. */
export interface Panel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: ReadonlyArray<{ refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }>;
  readonly panels?: readonly Panel[];
}

/** A dashboard's JSON, as far as the checks read it. */
export interface Dashboard {
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { list: ReadonlyArray<{ name: string; type: string; query?: unknown; definition?: string; datasource?: { uid?: string } }> };
}

export function dashboards(): Dashboard[] {
  return dashboardFiles().map((file) => ({ ...(JSON.parse(readFileSync(file, "utf8")) as Omit<Dashboard, "file">), file: relative(file) }));
}

/** Every panel of a dashboard, rows' nested panels included. */
export function panelsOf(dashboard: Pick<Dashboard, "panels">): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** The metric selector of a Grafana `label_values(<selector>, <label>)` variable query, if it has one. */
function variableSelector(query: string): string | undefined {
  const match = /^\s*label_values\(\s*(.+?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/.exec(query);
  if (match) return match[1];
  const bare = /^\s*(?:query_result|metrics)\((.+)\)\s*$/.exec(query);
  return bare?.[1];
}

/** Every PromQL expression of every alert rule, dashboard panel and dashboard variable query. */
export function monitoringExpressions(): SourcedExpression[] {
  const fromAlerts = alertRules().map((rule) => ({ source: `${rule.file} ${rule.alert} (${rule.labels.severity ?? "no severity"})`, expr: rule.expr }));
  const fromDashboards = dashboards().flatMap((dashboard) => [
    ...panelsOf(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ source: `${dashboard.file} "${panel.title}" ${target.refId ?? "?"}`, expr: expandGrafanaVariables(target.expr ?? "") })),
    ),
    ...dashboard.templating.list
      .filter((variable) => variable.type === "query")
      .flatMap((variable) => {
        const query = typeof variable.query === "string" ? variable.query : ((variable.query as { query?: string } | undefined)?.query ?? variable.definition ?? "");
        const selector = variableSelector(query);
        return selector ? [{ source: `${dashboard.file} variable ${variable.name}`, expr: expandGrafanaVariables(selector) }] : [];
      }),
  ]);
  return [...fromAlerts, ...fromDashboards];
}
