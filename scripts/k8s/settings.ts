/**
 * What the deployment adds to the catalogue: the namespace, the image, replica
 * counts with the reason each worker's locking allows them, resources, the
 * drain, and the places outside the namespace the mesh talks to. Everything
 * about who calls whom comes from platform/mesh/call-graph.ts instead.
 */
import { processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";

/** The namespace every object lives in; principals and hostnames name it, so overlays keep it. */
export const NAMESPACE = "wallet";

/** The one image; its entrypoint takes a catalogue process name (or `migrate <service>`) as argument. */
export const IMAGE = "wallet-mesh";

/** Label every object carries. */
export const PART_OF = "wallet-mesh";

/** Prefix of the annotations that explain a choice in place. */
export const ANNOTATION_PREFIX = "wallet-mesh.dev";

/** The two overlays. */
export const overlays = ["local", "production"] as const;
export type OverlayName = (typeof overlays)[number];

/**
 * Shutdown: the kubelet runs the preStop sleep (Kubernetes endpoints and the
 * sidecars' routes lag behind a pod's termination), then sends SIGTERM; the
 * server turns not-ready, stops accepting, and lets in-flight calls finish
 * within SHUTDOWN_TIMEOUT_MS (platform/server/start-service.ts, whose
 * drainDelayMs serveProcess leaves at 0, so the pause is the preStop's).
 */
export const drain = {
  preStopSeconds: 5,
  /** SHUTDOWN_TIMEOUT_MS, the platform's default, set explicitly so the grace period below follows it. */
  shutdownTimeoutMs: 10_000,
  /** Closing pools, the admin server, and the 250 ms abort grace after the timeout. */
  marginSeconds: 5,
} as const;

/** terminationGracePeriodSeconds: the preStop pause, the drain bound and a margin. */
export const terminationGracePeriodSeconds = drain.preStopSeconds + drain.shutdownTimeoutMs / 1000 + drain.marginSeconds;

/** Kind of work, for the replica policy. */
export type Workload = "server" | "worker";

/** A process's deployment settings. */
export interface ProcessDeployment {
  /** Fixed replicas (workers) or the autoscaler's minimum (servers). */
  readonly replicas: number;
  /** Servers: the autoscaler's maximum. */
  readonly maxReplicas?: number;
  /** Why this many replicas are safe: shown as an annotation on the Deployment. */
  readonly replicasReason: string;
  /** Connects to RabbitMQ (AMQP_URL). */
  readonly amqp: boolean;
  /** TCP ports reached outside the cluster (providers, webhooks), with what they are for. */
  readonly externalEgress?: ReadonlyArray<{ readonly port: number; readonly what: string }>;
  readonly resources: { readonly cpu: string; readonly memory: string; readonly memoryLimit: string };
}

const serverResources = { cpu: "100m", memory: "160Mi", memoryLimit: "384Mi" } as const;
const workerResources = { cpu: "50m", memory: "128Mi", memoryLimit: "256Mi" } as const;
const stateless = "stateless gRPC server: any number of replicas serve behind the Service; the autoscaler adds more under CPU load";

/** Settings by process name; a test checks every catalogue process has an entry. */
export const processDeployments: Readonly<Record<string, ProcessDeployment>> = {
  identity: { replicas: 2, maxReplicas: 6, replicasReason: `${stateless}; the first signing key is made under an advisory lock replicas agree on`, amqp: false, resources: { cpu: "200m", memory: "256Mi", memoryLimit: "512Mi" } },
  ledger: { replicas: 2, maxReplicas: 6, replicasReason: `${stateless}; its maintenance loop runs on one replica at a time (session advisory lock)`, amqp: false, resources: serverResources },
  risk: { replicas: 2, maxReplicas: 6, replicasReason: stateless, amqp: true, resources: serverResources },
  notification: { replicas: 2, maxReplicas: 4, replicasReason: stateless, amqp: false, resources: serverResources },
  "mobile-bff": { replicas: 2, maxReplicas: 8, replicasReason: stateless, amqp: false, resources: serverResources },
  backoffice: { replicas: 2, maxReplicas: 4, replicasReason: `${stateless}; audit appends are serialised by a transaction advisory lock`, amqp: false, resources: serverResources },
  gateway: { replicas: 2, maxReplicas: 10, replicasReason: `${stateless}; rate limits are counted in Redis, so they hold across replicas`, amqp: false, resources: serverResources },
  "ledger-outbox-relay": { replicas: 2, replicasReason: "relays claim outbox rows with FOR UPDATE SKIP LOCKED: two never publish the same row at once; the second takes over at once when one dies", amqp: true, resources: workerResources },
  "identity-outbox-relay": { replicas: 2, replicasReason: "relays claim outbox rows with FOR UPDATE SKIP LOCKED: two never publish the same row at once", amqp: true, resources: workerResources },
  "risk-outbox-relay": { replicas: 2, replicasReason: "relays claim outbox rows with FOR UPDATE SKIP LOCKED: two never publish the same row at once", amqp: true, resources: workerResources },
  "risk-consumer": { replicas: 2, replicasReason: "competing consumers of one quorum queue; each event is recorded processed by id in the handling transaction, so a redelivery to the other replica is a no-op", amqp: true, resources: workerResources },
  "notification-consumer": { replicas: 2, replicasReason: "competing consumers of one quorum queue; each event is recorded processed by id in the handling transaction", amqp: true, resources: workerResources },
  "notification-delivery": {
    replicas: 2,
    replicasReason: "delivery workers claim due notifications with FOR UPDATE SKIP LOCKED and a lease: one row is sent by one worker at a time",
    amqp: false,
    externalEgress: [
      { port: 587, what: "SMTP submission (NOTIFICATION_SMTP_URL)" },
      { port: 465, what: "SMTP over TLS" },
      { port: 443, what: "the SMS and push gateways (NOTIFICATION_SMS_URL, NOTIFICATION_PUSH_URL)" },
    ],
    resources: workerResources,
  },
  "audit-export": {
    replicas: 2,
    replicasReason: "one exporter at a time: the leader holds a session advisory lock on a connection of its own; the second replica is a warm standby that takes the lock when the leader's session ends",
    amqp: false,
    externalEgress: [{ port: 443, what: "the SIEM webhook (AUDIT_EXPORT_WEBHOOK_URL, https in production)" }],
    resources: workerResources,
  },
};

/** Settings of one process; throws for a process without any, which a test catches first. */
export function deploymentOf(entry: ProcessEntry): ProcessDeployment {
  const found = processDeployments[entry.name];
  if (!found) throw new Error(`scripts/k8s/settings.ts has no deployment settings for process "${entry.name}"`);
  return found;
}

/** A server has a gRPC port; the rest are workers. */
export function workloadOf(entry: ProcessEntry): Workload {
  return entry.grpcPort === undefined ? "worker" : "server";
}

/** Processes in catalogue order. */
export const catalogueProcesses: readonly ProcessEntry[] = processes;

/** Where the Istio ingress gateway runs (istioctl's default profile) and its identity. */
export const ingress = {
  namespace: "istio-system",
  selector: { istio: "ingressgateway" },
  serviceAccount: "istio-ingressgateway-service-account",
} as const;

/** The public host of the REST edge and the Secret holding its certificate, in the ingress namespace. */
export const edge = {
  host: "api.wallet.example.com",
  tlsSecret: "wallet-edge-tls",
} as const;

/** Callers from outside the namespace, by the call graph's caller id: where their workloads run. */
export const externalCallerWorkloads: Readonly<Record<string, { readonly namespace: string; readonly serviceAccount: string }>> = {
  payments: { namespace: "payments", serviceAccount: "payments" },
};

/** Namespaces of the cluster services the policies let in or out. */
export const clusterNamespaces = {
  /** Prometheus, scraping admin ports (or, under Istio, the sidecar's merged metrics). */
  monitoring: "monitoring",
  cnpgOperator: "cnpg-system",
  rabbitmqOperator: "rabbitmq-system",
  istio: "istio-system",
} as const;
