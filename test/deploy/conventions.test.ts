/**
 * The conventions every workload of every overlay keeps: probes, resources,
 * a locked-down security context, a disruption budget, autoscaled servers
 * that drain before they stop, workers at the replica count their locking
 * allows, named ports, and no secret in the manifests.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lookupFieldInfo } from "../../platform/config/field-info.js";
import { processes } from "../../platform/mesh/catalogue.js";
import { processConfigSchema } from "../../scripts/k8s/process-config.js";
import { generatedFilesOnDisk } from "../../scripts/k8s/render.js";
import { deploymentOf, drain, IMAGE, overlays, workloadOf } from "../../scripts/k8s/settings.js";
import { find, objectsOf, ofKind, overlayObjects, type K8sObject } from "./manifests.js";

const podSpecOf = (object: K8sObject) => object.spec.template.spec;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

for (const overlay of overlays) {
  describe(`the ${overlay} overlay`, () => {
    const objects = overlayObjects(overlay);
    const deployments = ofKind(objects, "Deployment");
    const configMap = (name: string) => find(objects, "ConfigMap", `${name}-config`);

    test("every process of the catalogue is a Deployment running the one image with its name as argument, under its own service account", () => {
      assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), processes.map((p) => p.name).sort());
      for (const entry of processes) {
        const spec = podSpecOf(find(objects, "Deployment", entry.name));
        assert.equal(spec.containers.length, 1);
        assert.match(spec.containers[0].image, new RegExp(`^${IMAGE}:`));
        assert.deepEqual(spec.containers[0].args, [entry.name]);
        assert.equal(spec.serviceAccountName, entry.name);
        find(objects, "ServiceAccount", entry.name);
      }
    });

    test("every Deployment probes liveness on /healthz and readiness on /readyz of its admin port, and sets requests and a memory limit", () => {
      for (const deployment of deployments) {
        const entry = processes.find((p) => p.name === deployment.metadata.name)!;
        const [container] = podSpecOf(deployment).containers;
        const adminPort = container.ports.find((p: { name: string }) => p.name === container.livenessProbe.httpGet.port);
        assert.equal(adminPort?.containerPort, entry.adminPort, deployment.metadata.name);
        assert.equal(container.livenessProbe.httpGet.path, "/healthz");
        assert.equal(container.readinessProbe.httpGet.path, "/readyz");
        assert.equal(container.readinessProbe.httpGet.port, container.livenessProbe.httpGet.port);
        assert.ok(container.startupProbe, `${deployment.metadata.name} has a startup probe`);
        assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory, deployment.metadata.name);
      }
    });

    test("every pod runs as a non-root user with a read-only root filesystem, no privilege escalation, all capabilities dropped and seccomp RuntimeDefault", () => {
      const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.object.kind)).map((o) => o.object);
      assert.ok(workloads.length > processes.length);
      for (const workload of workloads) {
        const spec = podSpecOf(workload);
        assert.equal(spec.securityContext.runAsNonRoot, true, workload.metadata.name);
        assert.ok(Number.isInteger(spec.securityContext.runAsUser) && spec.securityContext.runAsUser > 0, workload.metadata.name);
        assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault");
        for (const container of spec.containers) {
          assert.deepEqual(
            container.securityContext,
            { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
            `${workload.kind} ${workload.metadata.name}`,
          );
        }
      }
    });

    test("every Deployment has a PodDisruptionBudget that selects its pods and lets one go at a time", () => {
      for (const deployment of deployments) {
        const budget = find(objects, "PodDisruptionBudget", deployment.metadata.name);
        assert.ok(selects(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
        assert.equal(budget.spec.maxUnavailable, 1);
      }
    });

    test("every server is autoscaled from at least two replicas, rolls out without taking a pod away first, and pauses for the drain before SIGTERM", () => {
      for (const entry of processes.filter((p) => workloadOf(p) === "server")) {
        const deployment = find(objects, "Deployment", entry.name);
        const autoscaler = find(objects, "HorizontalPodAutoscaler", entry.name);
        assert.deepEqual(autoscaler.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: entry.name });
        assert.ok(autoscaler.spec.minReplicas >= 2 && autoscaler.spec.maxReplicas >= autoscaler.spec.minReplicas, entry.name);
        assert.equal(deployment.spec.replicas, undefined, `${entry.name}: the autoscaler owns the replica count`);
        assert.deepEqual(deployment.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        const spec = podSpecOf(deployment);
        assert.deepEqual(spec.containers[0].lifecycle, { preStop: { sleep: { seconds: drain.preStopSeconds } } });
        const shutdownMs = Number(configMap(entry.name).data.SHUTDOWN_TIMEOUT_MS);
        assert.ok(spec.terminationGracePeriodSeconds >= drain.preStopSeconds + shutdownMs / 1000, `${entry.name}: the grace period covers the pause and the drain`);
      }
    });

    test("every worker runs the replica count its locking allows, says why, and has no autoscaler", () => {
      for (const entry of processes.filter((p) => workloadOf(p) === "worker")) {
        const deployment = find(objects, "Deployment", entry.name);
        assert.equal(deployment.spec.replicas, deploymentOf(entry).replicas, entry.name);
        assert.ok(deployment.spec.replicas >= 1);
        assert.match(deployment.metadata.annotations!["wallet-mesh.dev/replicas"]!, /lock|claim|consumer/);
        assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
        assert.equal(objects.some((o) => o.object.kind === "HorizontalPodAutoscaler" && o.object.metadata.name === entry.name), false);
      }
    });

    test("every Service port and container port is named, and every Service port says its protocol for Istio", () => {
      for (const service of ofKind(objects, "Service")) {
        for (const port of service.spec.ports) {
          assert.ok(port.name, `${service.metadata.name}:${port.port}`);
          assert.ok(port.appProtocol, `${service.metadata.name}:${port.name}`);
        }
        const pods = objects.filter((o) => ["Deployment", "StatefulSet"].includes(o.object.kind) && selects(service.spec.selector, o.object.spec.template.metadata.labels));
        assert.equal(pods.length, 1, `Service ${service.metadata.name} selects one workload`);
      }
      for (const workload of objects.filter((o) => ["Deployment", "StatefulSet"].includes(o.object.kind))) {
        for (const port of podSpecOf(workload.object).containers.flatMap((c: { ports?: unknown[] }) => c.ports ?? [])) assert.ok((port as { name?: string }).name);
      }
      const grpc = ofKind(objects, "Service").filter((s) => s.spec.ports.some((p: { appProtocol: string }) => p.appProtocol === "grpc"));
      assert.equal(grpc.length, processes.filter((p) => p.grpcPort !== undefined && p.name !== "gateway").length, "every gRPC server's port is gRPC to Istio");
    });

    test("secrets only come from Secret references: no variable a schema hides and no URL with credentials is written out", () => {
      for (const entry of processes) {
        const schema = processConfigSchema(entry).shape as Record<string, never>;
        const isSecret = (name: string) => name in schema && lookupFieldInfo(schema[name])?.show?.("x") === undefined && lookupFieldInfo(schema[name])?.show !== undefined;
        const data: Record<string, string> = configMap(entry.name).data ?? {};
        for (const [name, value] of Object.entries(data)) {
          assert.equal(isSecret(name), false, `${entry.name}: ${name} is a secret, in a ConfigMap`);
          assert.doesNotMatch(value, /\/\/[^/@\s]+:[^/@\s]+@/, `${entry.name}: ${name} carries credentials`);
        }
        for (const variable of podSpecOf(find(objects, "Deployment", entry.name)).containers[0].env) {
          if (variable.value === undefined) continue;
          assert.equal(isSecret(variable.name), false, `${entry.name}: ${variable.name} is written out`);
          // A URL may name credentials only by reference to variables from Secrets.
          assert.doesNotMatch(variable.value.replace(/\$\([A-Z_]+\)/g, ""), /\/\/[^/@\s]*:[^/@\s]+@/, `${entry.name}: ${variable.name}`);
        }
      }
    });
  });
}

test("no generated file holds a Secret object or data that looks like a key", () => {
  for (const file of generatedFilesOnDisk()) {
    for (const object of objectsOf(file)) {
      assert.notEqual(object.kind, "Secret", file);
      assert.doesNotMatch(JSON.stringify(object), /whsec_|-----BEGIN|"password":|"secret":/, file);
    }
  }
});
