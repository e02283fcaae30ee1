/**
 * The calls the services' clients recorded during the test run
 * (platform/clients/call-record.ts), held against the committed Istio
 * AuthorizationPolicies.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { RecordedCall } from "../../platform/clients/call-record.js";
import { isAllowed, type AuthorizationPolicyData } from "./authorization-check.js";
import { principalOf, servingProcess } from "./mesh-graph.js";
import { NAME_LABEL } from "./labels.js";
import { NAMESPACE } from "./settings.js";
import { repoRoot } from "./version.js";

/** The recorded calls in `dir`, distinct, sorted. */
export function readRecordedCalls(dir: string): RecordedCall[] {
  const calls = new Map<string, RecordedCall>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".jsonl"))) {
    for (const line of readFileSync(path.join(dir, name), "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const call = JSON.parse(line) as RecordedCall;
      calls.set(`${call.caller} ${call.procedure}`, call);
    }
  }
  return [...calls.values()].sort((a, b) => `${a.caller} ${a.procedure}`.localeCompare(`${b.caller} ${b.procedure}`));
}

/** The committed AuthorizationPolicies. */
export function committedAuthorizationPolicies(root = repoRoot): AuthorizationPolicyData[] {
  const text = readFileSync(path.join(root, "istio/authorization-policies.yaml"), "utf8");
  return parseAllDocuments(text).map((doc) => doc.toJS() as AuthorizationPolicyData);
}

/** What the policies say of each recorded call: `refused` names why. */
export function judgeCalls(calls: readonly RecordedCall[], policies: readonly AuthorizationPolicyData[]) {
  const allowed: RecordedCall[] = [];
  const refused: Array<RecordedCall & { readonly reason: string }> = [];
  const outside: RecordedCall[] = [];
  for (const call of calls) {
    const [, serviceTypeName, method] = /^\/([^/]+)\/([^/]+)$/.exec(call.procedure) ?? [];
    if (!serviceTypeName || !method) {
      refused.push({ ...call, reason: "not a /package.Service/Method path" });
      continue;
    }
    let target;
    try {
      target = servingProcess(serviceTypeName);
    } catch {
      outside.push(call); // a test's own service, not one of the mesh's
      continue;
    }
    let principal: string;
    try {
      principal = principalOf(call.caller);
    } catch (err) {
      refused.push({ ...call, reason: (err as Error).message });
      continue;
    }
    const request = { namespace: NAMESPACE, labels: { [NAME_LABEL]: target.name }, principal, path: call.procedure, port: target.grpcPort!, method: "POST" };
    if (isAllowed(policies, request)) allowed.push(call);
    else refused.push({ ...call, reason: `no rule of AuthorizationPolicy ${target.name} lets ${principal} call it: add the caller to platform/mesh/call-graph.ts and run npm run k8s:generate` });
  }
  return { allowed, refused, outside };
}
