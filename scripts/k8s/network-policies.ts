/**
 * NetworkPolicies: everything in the namespace is denied by default, then one
 * allow policy per process opens exactly what the call graph and the process's
 * dependencies need (its callers in, its upstreams, its database pooler,
 * RabbitMQ and its providers out), and one per data service lets the
 * operators and their clients reach it.
 */
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import type { INetworkPolicySpec } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicySpec";
import { databases, processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { databaseClusterOf, LOCAL_REDIS, RABBITMQ_CLUSTER } from "./data-names.js";
import { COMPONENT_LABEL, metadata, NAME_LABEL, PART_OF_LABEL, partOf, selectorOf } from "./labels.js";
import { callerWorkload, callersOf, identityKeyReaders, isMeshCaller, reachedServers } from "./mesh-graph.js";
import { MIGRATION_COMPONENT, migrationJobName } from "./migrations.js";
import { clusterNamespaces, deploymentOf, ingress, PART_OF, type OverlayName } from "./settings.js";

const tcp = (...ports: number[]): INetworkPolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));
const pods = (matchLabels: Record<string, string>): INetworkPolicyPeer => ({ podSelector: { matchLabels } });
const inNamespace = (namespace: string, matchLabels?: Record<string, string>): INetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
  ...(matchLabels ? { podSelector: { matchLabels } } : {}),
});
/** Any address: for endpoints whose addresses the manifests cannot know (providers, a managed Redis, the API server). */
const anywhere: INetworkPolicyPeer = { ipBlock: { cidr: "0.0.0.0/0" } };
/** The Kubernetes API server, which the operators' instance managers watch. */
const kubernetesApi = { to: [anywhere], ports: tcp(443, 6443) };

/** Every process of the mesh (servers and workers). */
export const meshProcessPods = {
  matchLabels: { [PART_OF_LABEL]: PART_OF },
  matchExpressions: [{ key: COMPONENT_LABEL, operator: "In", values: ["server", "worker"] }],
};

const policy = (name: string, podSelector: INetworkPolicySpec["podSelector"], spec: Omit<INetworkPolicySpec, "podSelector">) =>
  new NetworkPolicy({ metadata: metadata(name, partOf("network-policy")), spec: { podSelector, ...spec } });

/** The peers allowed to call `entry` (the graph's callers; the ingress gateway for the edge). */
function callerPeers(entry: ProcessEntry): INetworkPolicyPeer[] {
  if (entry.name === "gateway") return [inNamespace(ingress.namespace, ingress.selector)];
  const peers = callersOf(entry).map((caller) => {
    const workload = callerWorkload(caller);
    return isMeshCaller(caller) ? pods({ [NAME_LABEL]: workload.serviceAccount }) : inNamespace(workload.namespace);
  });
  // Identity's key set is fetched over HTTP on the same port.
  if (entry.name === "identity") {
    for (const reader of identityKeyReaders()) if (!callersOf(entry).includes(reader.name)) peers.push(pods(selectorOf(reader)));
  }
  return peers;
}

/** The allow policy of one process. */
export function processPolicy(entry: ProcessEntry): NetworkPolicy {
  const settings = deploymentOf(entry);
  const database = databases.find((d) => d.env === entry.databaseEnv);
  const callers = entry.grpcPort === undefined ? [] : callerPeers(entry);
  return policy(`allow-${entry.name}`, { matchLabels: selectorOf(entry) }, {
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      ...(callers.length > 0 ? [{ from: callers, ports: tcp(entry.grpcPort!) }] : []),
      { from: [inNamespace(clusterNamespaces.monitoring)], ports: tcp(entry.adminPort) },
    ],
    egress: [
      ...reachedServers(entry).map((upstream) => ({ to: [pods(selectorOf(upstream))], ports: tcp(upstream.grpcPort!) })),
      ...(database ? [{ to: [pods({ "cnpg.io/poolerName": databaseClusterOf(database).pooler })], ports: tcp(5432) }] : []),
      ...(settings.amqp ? [{ to: [pods({ [NAME_LABEL]: RABBITMQ_CLUSTER })], ports: tcp(5672) }] : []),
      ...(settings.externalEgress?.length ? [{ to: [anywhere], ports: tcp(...new Set(settings.externalEgress.map((e) => e.port))) }] : []),
    ],
  });
}

/** Processes that use a database. */
const usersOf = (env: string) => processes.filter((p) => p.databaseEnv === env);

/** A database cluster's and its pooler's policies. */
function databasePolicies(database: (typeof databases)[number]): NetworkPolicy[] {
  const db = databaseClusterOf(database);
  const instances = { "cnpg.io/cluster": db.name };
  const poolerPods = { "cnpg.io/poolerName": db.pooler };
  return [
    policy(`allow-${db.name}`, { matchLabels: instances }, {
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        // Replication between instances, the pooler, the migration Job; the operator reads each instance's status on 8000.
        { from: [pods(instances), pods(poolerPods), pods({ [NAME_LABEL]: migrationJobName(database) })], ports: tcp(5432) },
        { from: [pods(instances), inNamespace(clusterNamespaces.cnpgOperator)], ports: tcp(8000, 5432) },
        { from: [inNamespace(clusterNamespaces.monitoring)], ports: tcp(9187) },
      ],
      egress: [{ to: [pods(instances)], ports: tcp(5432, 8000) }, kubernetesApi],
    }),
    policy(`allow-${db.pooler}`, { matchLabels: poolerPods }, {
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: usersOf(database.env).map((p) => pods(selectorOf(p))), ports: tcp(5432) },
        { from: [inNamespace(clusterNamespaces.monitoring)], ports: tcp(9127) },
      ],
      egress: [{ to: [pods(instances)], ports: tcp(5432) }, kubernetesApi],
    }),
  ];
}

/** The migration Job of a database reaches that cluster's instances only. */
function migrationPolicy(database: (typeof databases)[number]): NetworkPolicy {
  const name = migrationJobName(database);
  return policy(`allow-${name}`, { matchLabels: { [NAME_LABEL]: name, [COMPONENT_LABEL]: MIGRATION_COMPONENT } }, {
    policyTypes: ["Ingress", "Egress"],
    ingress: [],
    egress: [{ to: [pods({ "cnpg.io/cluster": databaseClusterOf(database).name })], ports: tcp(5432) }],
  });
}

/** RabbitMQ's nodes: AMQP from the processes that use it, clustering between nodes, the operator's management calls. */
function rabbitmqPolicy(): NetworkPolicy {
  const nodes = { [NAME_LABEL]: RABBITMQ_CLUSTER };
  return policy(`allow-${RABBITMQ_CLUSTER}`, { matchLabels: nodes }, {
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: processes.filter((p) => deploymentOf(p).amqp).map((p) => pods(selectorOf(p))), ports: tcp(5672) },
      { from: [pods(nodes)] },
      { from: [inNamespace(clusterNamespaces.rabbitmqOperator)], ports: tcp(15672) },
      { from: [inNamespace(clusterNamespaces.monitoring)], ports: tcp(15692) },
    ],
    egress: [{ to: [pods(nodes)] }, kubernetesApi],
  });
}

/** The base's policies: default deny, DNS, one per process, one per data service and migration Job. */
export function basePolicies(): NetworkPolicy[] {
  return [
    policy("default-deny", {}, { policyTypes: ["Ingress", "Egress"] }),
    policy("allow-dns", {}, {
      policyTypes: ["Egress"],
      egress: [{ to: [inNamespace("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
    }),
    ...processes.map(processPolicy),
    ...databases.flatMap(databasePolicies),
    ...databases.map(migrationPolicy),
    rabbitmqPolicy(),
  ];
}

/** What differs by overlay: where Redis is, and (production) the Istio sidecars' own traffic. */
export function overlayPolicies(overlay: OverlayName): NetworkPolicy[] {
  if (overlay === "local") {
    const redis = { [NAME_LABEL]: LOCAL_REDIS };
    return [
      policy("allow-redis-clients", meshProcessPods, { policyTypes: ["Egress"], egress: [{ to: [pods(redis)], ports: tcp(6379) }] }),
      policy(`allow-${LOCAL_REDIS}`, { matchLabels: redis }, {
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: meshProcessPods }], ports: tcp(6379) }],
        egress: [],
      }),
    ];
  }
  return [
    // A managed Redis outside the cluster: its address is the operator's to narrow to (6380 for TLS).
    policy("allow-redis-clients", meshProcessPods, { policyTypes: ["Egress"], egress: [{ to: [anywhere], ports: tcp(6379, 6380) }] }),
    policy("allow-istio-sidecars", meshProcessPods, {
      policyTypes: ["Ingress", "Egress"],
      // Prometheus scrapes the sidecar's merged metrics (the app's and Envoy's).
      ingress: [{ from: [inNamespace(clusterNamespaces.monitoring)], ports: tcp(15020, 15090) }],
      // istiod: configuration (xDS) and the workload certificates.
      egress: [{ to: [inNamespace(clusterNamespaces.istio, { app: "istiod" })], ports: tcp(15012) }],
    }),
  ];
}
