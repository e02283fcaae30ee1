/**
 * The call graph (platform/mesh/call-graph.ts) read the way the manifests need
 * it: which process serves each gRPC service, which processes each caller
 * reaches, and the mesh identity (SPIFFE principal) of each caller. In mesh
 * mode a service takes the caller id from the peer's service account
 * (platform/internal-auth/mesh-interceptor.ts), so the process named like a
 * caller runs under a service account of that name.
 */
import type { CallGraph } from "../../platform/internal-auth/call-graph-interceptor.js";
import { callGraph, externalCallers, servedServices } from "../../platform/mesh/call-graph.js";
import { processes, type ProcessEntry, type ServiceName } from "../../platform/mesh/catalogue.js";
import { readsVariable } from "./process-config.js";
import { externalCallerWorkloads, NAMESPACE } from "./settings.js";

const graph: CallGraph = callGraph;

/** `/pkg.Service/Method`, the HTTP/2 path of an RPC. */
export const rpcPath = (serviceTypeName: string, method: string): string => `/${serviceTypeName}/${method}`;

/** The server process serving `serviceTypeName` (the process named like the service that serves it). */
export function servingProcess(serviceTypeName: string): ProcessEntry {
  for (const [service, typeNames] of Object.entries(servedServices)) {
    if (!typeNames.includes(serviceTypeName)) continue;
    const entry = processes.find((p) => p.name === service && p.grpcPort !== undefined);
    if (entry) return entry;
  }
  throw new Error(`no server process of the catalogue serves ${serviceTypeName}`);
}

/** The gRPC services a server process serves, by type name. */
export function servicesOf(entry: ProcessEntry): readonly string[] {
  return entry.name === entry.service ? (servedServices[entry.service as ServiceName] ?? []) : [];
}

/** Every caller id of the graph, sorted. */
export function graphCallers(): string[] {
  const callers = new Set<string>();
  for (const methods of Object.values(graph)) for (const allowed of Object.values(methods)) allowed.forEach((c) => callers.add(c));
  return [...callers].sort();
}

/** The RPC paths `caller` may call on `entry`'s process, sorted. */
export function pathsFor(entry: ProcessEntry, caller: string): string[] {
  const paths: string[] = [];
  for (const typeName of servicesOf(entry)) {
    for (const [method, allowed] of Object.entries(graph[typeName] ?? {})) {
      if (allowed.includes(caller)) paths.push(rpcPath(typeName, method));
    }
  }
  return paths.sort();
}

/** The callers the graph lets call some RPC of `entry`'s process, sorted. */
export function callersOf(entry: ProcessEntry): string[] {
  return graphCallers().filter((caller) => pathsFor(entry, caller).length > 0);
}

/** Whether `caller` is one of the catalogue's services (else an external caller). */
export function isMeshCaller(caller: string): boolean {
  return processes.some((p) => p.service === caller);
}

/** The process whose identity a mesh caller id is: the one named like it. */
export function callerProcess(caller: string): ProcessEntry {
  const entry = processes.find((p) => p.name === caller);
  if (!entry) throw new Error(`caller "${caller}" of the call graph is no process of the catalogue: in mesh mode its service account would be "${caller}"`);
  return entry;
}

/** The server processes `entry` calls, by the graph (only the process named like a caller calls). */
export function upstreamsOf(entry: ProcessEntry): ProcessEntry[] {
  if (!graphCallers().includes(entry.name)) return [];
  return processes.filter((p) => p.grpcPort !== undefined && pathsFor(p, entry.name).length > 0);
}

/** The namespace and service account of a caller's workload. */
export function callerWorkload(caller: string): { namespace: string; serviceAccount: string } {
  if (isMeshCaller(caller)) return { namespace: NAMESPACE, serviceAccount: callerProcess(caller).name };
  const external = externalCallerWorkloads[caller];
  if (!external) throw new Error(`external caller "${caller}" has no workload in scripts/k8s/settings.ts (externalCallerWorkloads)`);
  return external;
}

/** The Istio principal of a caller: `cluster.local/ns/<namespace>/sa/<service account>`. */
export function principalOf(caller: string): string {
  const { namespace, serviceAccount } = callerWorkload(caller);
  return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
}

/** The graph's external callers (not processes of the catalogue). */
export const externalCallerIds: readonly string[] = Object.values(externalCallers);

/**
 * Processes that fetch identity's key set over plain HTTP GET on identity's
 * port (IDENTITY_JWKS_URL), beside the RPCs of the graph: they read the
 * variable in their configuration schema.
 */
export function identityKeyReaders(): ProcessEntry[] {
  return processes.filter((p) => p.name !== "identity" && readsVariable(p, "IDENTITY_JWKS_URL"));
}

/** The path identity serves its key set on. */
export const JWKS_PATH = "/.well-known/jwks.json";

/** The servers `entry` reaches: its upstreams by the graph, and identity when it reads the key set. */
export function reachedServers(entry: ProcessEntry): ProcessEntry[] {
  const reached = upstreamsOf(entry);
  if (identityKeyReaders().some((p) => p.name === entry.name) && !reached.some((p) => p.name === "identity")) {
    reached.push(processes.find((p) => p.name === "identity")!);
  }
  return reached;
}
