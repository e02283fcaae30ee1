/**
 * Istio's ALLOW semantics for the generated AuthorizationPolicies, enough to
 * ask "would the mesh let this principal call this path on this workload?":
 * the policies of the workload's namespace whose selector matches its labels
 * (or that have none) apply; when any ALLOW policy applies, a request passes
 * only if one of their rules matches it (a policy without rules matches
 * nothing). A rule matches when some `from` source and some `to` operation
 * match; path patterns take Istio's forms: exact, `prefix*`, `*suffix`, `*`.
 */

/** The fields of an AuthorizationPolicy the generated ones use. */
export interface AuthorizationPolicyData {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
    readonly action?: string;
    readonly rules?: ReadonlyArray<{
      readonly from?: ReadonlyArray<{ readonly source?: { readonly principals?: readonly string[] } }>;
      readonly to?: ReadonlyArray<{
        readonly operation?: {
          readonly ports?: readonly string[];
          readonly paths?: readonly string[];
          readonly notPaths?: readonly string[];
          readonly methods?: readonly string[];
        };
      }>;
    }>;
  };
}

/** One request as the receiving sidecar sees it. */
export interface MeshRequest {
  readonly namespace: string;
  /** The receiving pod's labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly principal: string;
  readonly path: string;
  readonly port: number;
  readonly method: string;
}

/** Istio's string match: exact, prefix (`abc*`), suffix (`*abc`) or presence (`*`). */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === "*") return value !== "";
  if (pattern.endsWith("*")) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith("*")) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

const anyMatches = (patterns: readonly string[] | undefined, value: string) => patterns === undefined || patterns.some((p) => matchesPattern(p, value));

type Rule = NonNullable<AuthorizationPolicyData["spec"]["rules"]>[number];

function ruleMatches(rule: Rule, request: MeshRequest): boolean {
  const fromOk = rule.from === undefined || rule.from.some((f) => anyMatches(f.source?.principals, request.principal));
  const toOk =
    rule.to === undefined ||
    rule.to.some(({ operation: op }) => {
      if (!op) return true;
      return (
        anyMatches(op.ports, String(request.port)) &&
        anyMatches(op.paths, request.path) &&
        !(op.notPaths ?? []).some((p) => matchesPattern(p, request.path)) &&
        anyMatches(op.methods, request.method)
      );
    });
  return fromOk && toOk;
}

/** The ALLOW policies that apply to the request's workload. */
export function applicablePolicies(policies: readonly AuthorizationPolicyData[], request: MeshRequest): AuthorizationPolicyData[] {
  return policies.filter((policy) => {
    if (policy.metadata.namespace !== request.namespace) return false;
    if ((policy.spec.action ?? "ALLOW") !== "ALLOW") return false;
    const selector = policy.spec.selector?.matchLabels ?? {};
    return Object.entries(selector).every(([key, value]) => request.labels[key] === value);
  });
}

/** Whether the policies let the request through (a namespace without ALLOW policies allows everything). */
export function isAllowed(policies: readonly AuthorizationPolicyData[], request: MeshRequest): boolean {
  const applicable = applicablePolicies(policies, request);
  if (applicable.length === 0) return true;
  return applicable.some((policy) => (policy.spec.rules ?? []).some((rule) => ruleMatches(rule, request)));
}
