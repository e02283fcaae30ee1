/**
 * The committed Istio policy against the code: its paths are real RPCs of the
 * generated descriptors, its principals are the service accounts the
 * Deployments run under (or the declared outside callers'), it lets each
 * caller call exactly the RPCs the call graph gives it, and a call outside
 * the graph is refused both by the policy and by the services' own check
 * (mesh mode reading the caller from the sidecar's XFCC header).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { createCallGraphInterceptor, type CallGraph } from "../../platform/internal-auth/call-graph-interceptor.js";
import { createMeshAuthServerInterceptor } from "../../platform/internal-auth/mesh-interceptor.js";
import { internalCallerKey } from "../../platform/internal-auth/context-values.js";
import { callGraph, externalCallers, servedServices } from "../../platform/mesh/call-graph.js";
import { processes } from "../../platform/mesh/catalogue.js";
import { isAllowed, type AuthorizationPolicyData, type MeshRequest } from "../../scripts/k8s/authorization-check.js";
import { ingressPrincipal } from "../../scripts/k8s/istio.js";
import { NAME_LABEL } from "../../scripts/k8s/labels.js";
import { externalCallerWorkloads, NAMESPACE } from "../../scripts/k8s/settings.js";
import { repoRoot } from "../../scripts/k8s/version.js";
import { committedAuthorizationPolicies } from "../../scripts/k8s/recorded-calls.js";
import { generatedServices } from "./descriptors.js";
import { ofKind, overlayObjects } from "./manifests.js";

const graph: CallGraph = callGraph;
const policies: AuthorizationPolicyData[] = committedAuthorizationPolicies();
const production = overlayObjects("production");
const serviceAccountsInUse = new Set(ofKind(production, "Deployment").map((d) => d.spec.template.spec.serviceAccountName as string));
const meshCallers = [...new Set(Object.values(graph).flatMap((methods) => Object.values(methods).flat()))].sort();
/** Everyone who might try: every caller of the graph, every process and one nobody declared. */
const candidates = [...new Set([...meshCallers, ...processes.map((p) => p.name), "intruder"])].sort();

let services: Map<string, DescService>;
let servicesByExport: Map<string, DescService>;
before(async () => {
  ({ byTypeName: services, byExportName: servicesByExport } = await generatedServices());
});

/** The server process of a service type name, from the catalogue and servedServices directly. */
function serverOf(typeName: string) {
  const owner = Object.entries(servedServices).find(([, names]) => names.includes(typeName))![0];
  return processes.find((p) => p.name === owner && p.grpcPort !== undefined)!;
}

/** The principal a candidate would present: a process's own service account, or an outside caller's. */
function principal(caller: string): string {
  const outside = externalCallerWorkloads[caller];
  return outside ? `cluster.local/ns/${outside.namespace}/sa/${outside.serviceAccount}` : `cluster.local/ns/${NAMESPACE}/sa/${caller}`;
}

const request = (caller: string, typeName: string, method: string): MeshRequest => {
  const server = serverOf(typeName);
  return { namespace: NAMESPACE, labels: { [NAME_LABEL]: server.name }, principal: principal(caller), path: `/${typeName}/${method}`, port: server.grpcPort!, method: "POST" };
};

/** What the service's own interceptors decide for a caller, in mesh mode: the XFCC header the sidecar writes, then the call graph. */
async function serviceDecides(caller: string, typeName: string, method: string): Promise<"allowed" | Code> {
  const req = {
    service: { typeName },
    method: { name: method },
    header: new Headers({ "x-forwarded-client-cert": `By=spiffe://cluster.local/ns/${NAMESPACE}/sa/${serverOf(typeName).name};URI=spiffe://${principal(caller)}` }),
    contextValues: createContextValues(),
  };
  const next = async () => ({}) as never;
  const mesh = createMeshAuthServerInterceptor();
  const callGraphCheck = createCallGraphInterceptor({ graph: callGraph });
  try {
    await mesh(callGraphCheck(next))(req as never);
    assert.ok(req.contextValues.get(internalCallerKey)?.callerId === (externalCallerWorkloads[caller]?.serviceAccount ?? caller));
    return "allowed";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

test("every AuthorizationPolicy path is an RPC of the generated descriptors, or identity's key set", () => {
  const paths = policies.flatMap((p) => (p.spec.rules ?? []).flatMap((r) => (r.to ?? []).flatMap((t) => t.operation?.paths ?? [])));
  assert.ok(paths.length > 100);
  for (const p of paths) {
    if (p === "/.well-known/jwks.json") continue;
    const [, typeName, method] = /^\/([^/]+)\/([^/]+)$/.exec(p) ?? [];
    assert.ok(services.get(typeName!)?.methods.some((m) => m.name === method), `${p} is no RPC of gen/`);
  }
});

test("every principal is the service account of a Deployment, the ingress gateway's, or a declared outside caller's", () => {
  const principals = new Set(policies.flatMap((p) => (p.spec.rules ?? []).flatMap((r) => (r.from ?? []).flatMap((f) => f.source?.principals ?? []))));
  const outside = new Set(Object.values(externalCallers).map(principal));
  for (const p of principals) {
    const [, namespace, account] = /^cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(p) ?? [];
    if (namespace === NAMESPACE) assert.ok(serviceAccountsInUse.has(account!), `${p}: no Deployment runs as ${account}`);
    else assert.ok(p === ingressPrincipal || outside.has(p), `${p} is neither the ingress gateway nor an outside caller of the graph`);
  }
  assert.ok(principals.has(ingressPrincipal));
});

test("each caller may call exactly the RPCs the call graph gives it, and the services' own check agrees", async () => {
  for (const [typeName, service] of services) {
    if (!Object.values(servedServices).some((names) => names.includes(typeName))) continue; // events and shared messages only
    for (const method of service.methods) {
      const allowed = graph[typeName]?.[method.name] ?? [];
      for (const caller of candidates) {
        const expected = allowed.includes(caller);
        assert.equal(isAllowed(policies, request(caller, typeName, method.name)), expected, `mesh policy: ${caller} → ${typeName}/${method.name}`);
        assert.equal(await serviceDecides(caller, typeName, method.name), expected ? "allowed" : Code.PermissionDenied, `service: ${caller} → ${typeName}/${method.name}`);
      }
    }
  }
});

test("a call outside the graph is refused: the mesh policy matches it nowhere and the service answers PermissionDenied", async () => {
  // mobile-bff may read balances but never top up a wallet: that is the payments system's alone.
  assert.equal(isAllowed(policies, request("mobile-bff", "wallet.ledger.v1.LedgerService", "TopUp")), false);
  assert.equal(await serviceDecides("mobile-bff", "wallet.ledger.v1.LedgerService", "TopUp"), Code.PermissionDenied);
  assert.equal(isAllowed(policies, request("payments", "wallet.ledger.v1.LedgerService", "TopUp")), true);
  assert.equal(await serviceDecides("payments", "wallet.ledger.v1.LedgerService", "TopUp"), "allowed");
});

test("the edge admits the ingress gateway alone, and not onto its gRPC health or reflection; no worker admits anyone", () => {
  const gateway = processes.find((p) => p.name === "gateway")!;
  const edge = (principalName: string, p: string) => ({ namespace: NAMESPACE, labels: { [NAME_LABEL]: "gateway" }, principal: principalName, path: p, port: gateway.grpcPort!, method: "GET" });
  assert.equal(isAllowed(policies, edge(ingressPrincipal, "/v1/bff/bootstrap")), true);
  assert.equal(isAllowed(policies, edge(ingressPrincipal, "/grpc.health.v1.Health/Check")), false);
  assert.equal(isAllowed(policies, edge(principal("mobile-bff"), "/v1/bff/bootstrap")), false);
  for (const worker of processes.filter((p) => p.grpcPort === undefined)) {
    assert.equal(isAllowed(policies, { namespace: NAMESPACE, labels: { [NAME_LABEL]: worker.name }, principal: ingressPrincipal, path: "/metrics", port: worker.adminPort, method: "GET" }), false, worker.name);
  }
});

test("in mesh mode a caller is its service account: every mesh caller of the graph is a Deployment running as a service account of its name", () => {
  for (const caller of meshCallers.filter((c) => !Object.values<string>(externalCallers).includes(c))) {
    assert.ok(serviceAccountsInUse.has(caller), `${caller} calls in the graph: a Deployment must run as service account ${caller}`);
  }
});

test("every client a service creates is of a gRPC service its caller id may call (a call site added without the graph fails here)", () => {
  let sites = 0;
  for (const service of new Set(processes.map((p) => p.service))) {
    const dir = path.join(repoRoot, "services", service, "src");
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(".ts"));
    for (const file of files) {
      const text = readFileSync(path.join(file.parentPath, file.name), "utf8");
      for (const match of text.matchAll(/createServiceClient\(\s*([A-Za-z]+)/g)) {
        const name = match[1]!;
        if (name === "service") continue; // the edge's generic upstream factory: its services come from its REST bindings
        const called = servicesByExport.get(name);
        assert.ok(called, `${file.name}: ${name} is no generated service`);
        const methods = Object.values(graph[called.typeName] ?? {});
        assert.ok(methods.some((callers) => callers.includes(service)), `${service} creates a ${called.typeName} client but the graph lets it call none of its RPCs`);
        sites++;
      }
    }
  }
  assert.ok(sites >= 9, `found ${sites} call sites`);
});
