/**
 * One process's objects: ServiceAccount, Service (servers), Deployment,
 * PodDisruptionBudget and HorizontalPodAutoscaler (servers).
 */
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ProcessEntry } from "../../platform/mesh/catalogue.js";
import { configMapName, secretEnv } from "./environment.js";
import { metadata, processLabels, selectorOf } from "./labels.js";
import { containerSecurityContext, podSecurityContext } from "./security-context.js";
import { ANNOTATION_PREFIX, deploymentOf, drain, IMAGE, terminationGracePeriodSeconds, workloadOf } from "./settings.js";
import { imageTag } from "./version.js";

/** The name of a server's traffic port: `http` for the REST edge, `grpc` for the others. */
export const trafficPortName = (entry: ProcessEntry): "http" | "grpc" => (entry.name === "gateway" ? "http" : "grpc");

/** The admin port's name on the container and the Service. */
export const ADMIN_PORT_NAME = "http-admin";

const httpProbe = (path: string, periodSeconds: number, failureThreshold: number): IProbe => ({
  httpGet: { path, port: ADMIN_PORT_NAME },
  periodSeconds,
  timeoutSeconds: 2,
  failureThreshold,
});

/** The process's container: the image run with the process name as its argument. */
function container(entry: ProcessEntry): IContainer {
  const settings = deploymentOf(entry);
  const server = workloadOf(entry) === "server";
  return {
    name: entry.name,
    image: `${IMAGE}:${imageTag}`,
    imagePullPolicy: "IfNotPresent",
    args: [entry.name],
    ports: [
      ...(entry.grpcPort === undefined ? [] : [{ name: trafficPortName(entry), containerPort: entry.grpcPort, protocol: "TCP" as const }]),
      { name: ADMIN_PORT_NAME, containerPort: entry.adminPort, protocol: "TCP" },
    ],
    envFrom: [{ configMapRef: { name: configMapName(entry) } }],
    env: secretEnv(entry),
    resources: {
      requests: { cpu: settings.resources.cpu, memory: settings.resources.memory },
      limits: { memory: settings.resources.memoryLimit },
    },
    // Start-up gets a minute; then liveness restarts a stuck process, readiness takes it out of the Service.
    startupProbe: httpProbe("/healthz", 2, 30),
    livenessProbe: httpProbe("/healthz", 10, 3),
    readinessProbe: httpProbe("/readyz", 5, 2),
    ...(server ? { lifecycle: { preStop: { sleep: { seconds: drain.preStopSeconds } } } } : {}),
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

function podSpec(entry: ProcessEntry): IPodSpec {
  return {
    serviceAccountName: entry.name,
    // No process talks to the Kubernetes API; Istio's sidecar has a token of its own.
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds,
    securityContext: podSecurityContext(),
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorOf(entry) } },
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorOf(entry) } },
    ],
    containers: [container(entry)],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
  };
}

/** The Deployment; a server's replica count belongs to its autoscaler, so it sets none. */
export function deploymentFor(entry: ProcessEntry): Deployment {
  const settings = deploymentOf(entry);
  const server = workloadOf(entry) === "server";
  const labels = processLabels(entry);
  return new Deployment({
    metadata: metadata(entry.name, labels, {
      [`${ANNOTATION_PREFIX}/replicas`]: settings.replicasReason,
      [`${ANNOTATION_PREFIX}/summary`]: entry.summary,
    }),
    spec: {
      ...(server ? {} : { replicas: settings.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorOf(entry) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          // Istio injects its sidecar into these pods only: the operators' data services and the migration Jobs stay outside the mesh.
          labels: { ...labels, "sidecar.istio.io/inject": "true" },
          annotations: {
            // Prometheus scrapes the admin port; under Istio the sidecar serves it merged with its own on :15020.
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(entry.adminPort),
            "prometheus.io/path": "/metrics",
            // The sidecar starts first and outlives the drain, so calls made while draining still leave the pod.
            "proxy.istio.io/config": JSON.stringify({ holdApplicationUntilProxyStarts: true, terminationDrainDuration: `${terminationGracePeriodSeconds}s` }),
          },
        },
        spec: podSpec(entry),
      },
    },
  });
}

/** The ServiceAccount: in mesh mode its name is the caller id the services see. */
export function serviceAccountFor(entry: ProcessEntry): ServiceAccount {
  return new ServiceAccount({ metadata: metadata(entry.name, processLabels(entry)), automountServiceAccountToken: false });
}

/** A server's Service: its traffic port (with appProtocol, so Istio routes gRPC as gRPC) and its admin port. */
export function serviceFor(entry: ProcessEntry): Service | undefined {
  if (entry.grpcPort === undefined) return undefined;
  const name = trafficPortName(entry);
  return new Service({
    metadata: metadata(entry.name, processLabels(entry)),
    spec: {
      type: "ClusterIP",
      selector: selectorOf(entry),
      ports: [
        { name, port: entry.grpcPort, targetPort: name, protocol: "TCP", appProtocol: name },
        { name: ADMIN_PORT_NAME, port: entry.adminPort, targetPort: ADMIN_PORT_NAME, protocol: "TCP", appProtocol: "http" },
      ],
    },
  });
}

/** At most one pod of the process is evicted at a time; a crash-looping pod never blocks a node drain. */
export function disruptionBudgetFor(entry: ProcessEntry): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: metadata(entry.name, processLabels(entry)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(entry) }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
  });
}

/** A server's autoscaler: from its minimum replicas on CPU, scaling down slowly. */
export function autoscalerFor(entry: ProcessEntry): HorizontalPodAutoscaler | undefined {
  const settings = deploymentOf(entry);
  if (workloadOf(entry) !== "server") return undefined;
  return new HorizontalPodAutoscaler({
    metadata: metadata(entry.name, processLabels(entry)),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: entry.name },
      minReplicas: settings.replicas,
      maxReplicas: settings.maxReplicas ?? settings.replicas,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  });
}

/** Everything one process's base file holds, in apply order. */
export function processObjects(entry: ProcessEntry) {
  return [serviceAccountFor(entry), serviceFor(entry), deploymentFor(entry), disruptionBudgetFor(entry), autoscalerFor(entry)].filter(
    (object): object is NonNullable<typeof object> => object !== undefined,
  );
}
