/**
 * The NetworkPolicies of each overlay against the call graph and the code:
 * everything is denied unless allowed; a process reaches exactly the servers
 * it calls, its own database's pooler and, when its code connects, RabbitMQ;
 * PgBouncer pools by session where the owner's code holds session locks.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { callGraph, servedServices } from "../../platform/mesh/call-graph.js";
import { databases, processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { databaseClusterOf, RABBITMQ_CLUSTER, sessionPooled } from "../../scripts/k8s/data-names.js";
import { processConfigSchema } from "../../scripts/k8s/process-config.js";
import { deploymentOf, ingress, NAMESPACE, overlays } from "../../scripts/k8s/settings.js";
import { repoRoot } from "../../scripts/k8s/version.js";
import { canConnect, type Pod } from "./network-reach.js";
import { find, ofKind, overlayObjects } from "./manifests.js";

const podOf = (objects: ReturnType<typeof overlayObjects>, entry: ProcessEntry): Pod => ({
  namespace: NAMESPACE,
  labels: find(objects, "Deployment", entry.name).spec.template.metadata.labels,
});

/** Whether the graph (or identity's key set, for a process that reads it) has `from` call `to`. */
function calls(from: ProcessEntry, to: ProcessEntry): boolean {
  const byGraph = (servedServices[to.service] ?? []).some((typeName) => Object.values((callGraph as Record<string, Record<string, readonly string[]>>)[typeName] ?? {}).some((callers) => callers.includes(from.name)));
  const readsKeys = to.name === "identity" && "IDENTITY_JWKS_URL" in processConfigSchema(from).shape;
  return byGraph || readsKeys;
}

/** Every source file of a service, concatenated (for scans). */
const sourceOf = (service: string): string =>
  readdirSync(path.join(repoRoot, "services", service, "src"), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");

for (const overlay of overlays) {
  describe(`the ${overlay} overlay's network policies`, () => {
    const objects = overlayObjects(overlay);
    const policies = ofKind(objects, "NetworkPolicy");

    test("everything in the namespace is denied unless a policy allows it", () => {
      const deny = find(objects, "NetworkPolicy", "default-deny");
      assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      for (const entry of processes) find(objects, "NetworkPolicy", `allow-${entry.name}`);
    });

    test("a process reaches exactly the servers it calls, on their gRPC ports", () => {
      for (const from of processes) {
        for (const to of processes.filter((p) => p.grpcPort !== undefined && p.name !== from.name)) {
          assert.equal(canConnect(policies, podOf(objects, from), podOf(objects, to), to.grpcPort!), calls(from, to), `${from.name} → ${to.name}:${to.grpcPort}`);
          assert.equal(canConnect(policies, podOf(objects, from), podOf(objects, to), to.adminPort), false, `${from.name} → ${to.name} admin`);
        }
      }
    });

    test("the edge is reached from the ingress gateway, outside callers reach what the graph gives them, Prometheus reaches every admin port", () => {
      const gateway = processes.find((p) => p.name === "gateway")!;
      const ingressPod: Pod = { namespace: ingress.namespace, labels: { ...ingress.selector } };
      assert.equal(canConnect(policies, ingressPod, podOf(objects, gateway), gateway.grpcPort!), true);
      const payments: Pod = { namespace: "payments", labels: {} };
      const ledger = processes.find((p) => p.name === "ledger")!;
      const risk = processes.find((p) => p.name === "risk")!;
      assert.equal(directionIngress(policies, podOf(objects, ledger), payments, ledger.grpcPort!), true);
      assert.equal(directionIngress(policies, podOf(objects, risk), payments, risk.grpcPort!), false);
      const prometheus: Pod = { namespace: "monitoring", labels: {} };
      for (const entry of processes) assert.equal(directionIngress(policies, podOf(objects, entry), prometheus, entry.adminPort), true, entry.name);
    });

    test("a process reaches its own database's pooler and no other; the poolers reach their cluster", () => {
      for (const from of processes) {
        for (const database of databases) {
          const db = databaseClusterOf(database);
          const pooler: Pod = { namespace: NAMESPACE, labels: { "cnpg.io/poolerName": db.pooler } };
          assert.equal(canConnect(policies, podOf(objects, from), pooler, 5432), from.databaseEnv === database.env, `${from.name} → ${db.pooler}`);
          assert.equal(canConnect(policies, podOf(objects, from), { namespace: NAMESPACE, labels: { "cnpg.io/cluster": db.name } }, 5432), false);
          assert.equal(canConnect(policies, pooler, { namespace: NAMESPACE, labels: { "cnpg.io/cluster": db.name } }, 5432), true);
        }
      }
    });

    test("only the processes whose code connects to RabbitMQ reach it", () => {
      const broker: Pod = { namespace: NAMESPACE, labels: { "app.kubernetes.io/name": RABBITMQ_CLUSTER } };
      for (const entry of processes) {
        const text = readFileSync(path.join(repoRoot, "services", entry.service, entry.entry), "utf8");
        const connects = /AMQP_URL|runOutboxRelayProcess/.test(text);
        assert.equal(deploymentOf(entry).amqp, connects, `${entry.name}: settings say amqp=${deploymentOf(entry).amqp}`);
        assert.equal(canConnect(policies, podOf(objects, entry), broker, 5672), connects, entry.name);
      }
    });

    test("each migration Job reaches its own database cluster only", () => {
      for (const job of ofKind(objects, "Job")) {
        const pod: Pod = { namespace: NAMESPACE, labels: job.spec.template.metadata.labels };
        for (const database of databases) {
          const cluster: Pod = { namespace: NAMESPACE, labels: { "cnpg.io/cluster": databaseClusterOf(database).name } };
          assert.equal(canConnect(policies, pod, cluster, 5432), job.metadata.name === `${database.owner}-migrate`, `${job.metadata.name} → ${database.owner}`);
        }
      }
    });
  });
}

/** Only the destination's ingress side (the source is outside the namespace's policies). */
function directionIngress(policies: ReturnType<typeof ofKind>, to: Pod, from: Pod, port: number): boolean {
  return canConnect(policies, { namespace: from.namespace, labels: { ...from.labels, "outside-the-namespace": "yes" } }, to, port);
}

test("PgBouncer pools by session exactly for the databases whose owner's code holds a session advisory lock", () => {
  const objects = overlayObjects("production");
  for (const database of databases) {
    const holdsSessionLock = /pg_(try_)?advisory_lock\(/.test(sourceOf(database.owner));
    assert.equal(database.owner in sessionPooled, holdsSessionLock, database.owner);
    const pooler = find(objects, "Pooler", databaseClusterOf(database).pooler);
    assert.equal(pooler.spec.pgbouncer.poolMode, holdsSessionLock ? "session" : "transaction", database.owner);
  }
});
