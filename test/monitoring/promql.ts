import { parser } from "@prometheus-io/lezer-promql";

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

/** One label matcher of a selector: `service="ledger"` is `{ label: "service", op: "=", value: "ledger" }`. */
export interface LabelMatcher {
  readonly label: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

/** A vector selector of an expression: the metric it names and its matchers. */
export interface Selector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

/** What parsing one expression found. */
export interface ParsedExpression {
  readonly selectors: readonly Selector[];
  /** Parse errors, as "at <offset>: <text around it>"; empty when the expression is valid PromQL. */
  readonly errors: readonly string[];
}

/** The text of a PromQL string literal ("...", '...' or `...`). */
function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === "`") return body;
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", "\\": "\\" })[c] ?? c);
}

function matcherOf(node: SyntaxNode, text: string): LabelMatcher | undefined {
  const name = node.getChild("LabelName") ?? node.getChild("QuotedLabelName");
  const op = node.getChild("MatchOp");
  const value = node.getChild("StringLiteral");
  if (!name || !op || !value) return undefined;
  const label = text.slice(name.from, name.to);
  return { label: name.name === "QuotedLabelName" ? stringValue(label) : label, op: text.slice(op.from, op.to) as LabelMatcher["op"], value: stringValue(text.slice(value.from, value.to)) };
}

/**
 * Parses `expr` with Prometheus's own grammar (@prometheus-io/lezer-promql)
 * and collects every vector selector: its metric name (from the identifier,
 * or from a `__name__="..."` matcher) and its label matchers. The parser is
 * error-tolerant, so errors are collected from the tree's error nodes.
 */
export function parsePromql(expr: string): ParsedExpression {
  const tree = parser.parse(expr);
  const selectors: Selector[] = [];
  const errors: string[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) errors.push(`at ${ref.from}: ${JSON.stringify(expr.slice(Math.max(0, ref.from - 20), ref.from + 20))}`);
      if (ref.name !== "VectorSelector") return;
      const node = ref.node;
      const matchers: LabelMatcher[] = [];
      const list = node.getChild("LabelMatchers");
      if (list) {
        for (const child of [...list.getChildren("UnquotedLabelMatcher"), ...list.getChildren("QuotedLabelMatcher")]) {
          const matcher = matcherOf(child, expr);
          if (matcher) matchers.push(matcher);
        }
        // {"metric_name"}: a quoted name alone in the braces (Prometheus 3).
        for (const bare of list.getChildren("QuotedLabelName")) matchers.push({ label: "__name__", op: "=", value: stringValue(expr.slice(bare.from, bare.to)) });
      }
      const identifier = node.getChild("Identifier");
      const named = matchers.find((m) => m.label === "__name__" && m.op === "=");
      const metric = identifier ? expr.slice(identifier.from, identifier.to) : named?.value;
      if (metric === undefined) errors.push(`a selector without a metric name: ${expr.slice(node.from, node.to)}`);
      else selectors.push({ metric, matchers: matchers.filter((m) => m.label !== "__name__") });
    },
  });
  return { selectors, errors };
}

/** Grafana's interval variables, replaced by a duration so the expression is PromQL. */
const INTERVAL_VARIABLES = /\$(?:__rate_interval|__interval|__range)\b|\$\{(?:__rate_interval|__interval|__range)\}/g;

/**
 * A Grafana panel query as Prometheus would see it: interval variables become
 * `5m`, any other `$var` / `${var}` (used inside label matcher strings, such
 * as `service=~"$service"`) becomes `.*` (the "All" value).
 */
export function expandGrafanaVariables(expr: string): string {
  return expr.replace(INTERVAL_VARIABLES, "5m").replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ".*");
}
