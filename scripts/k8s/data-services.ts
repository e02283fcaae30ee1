/**
 * The data services, through their operators: a CloudNativePG `Cluster` per
 * service database (a primary and, in production, two synchronous-capable
 * replicas) behind a PgBouncer `Pooler`, and a `RabbitmqCluster` (three nodes
 * in production, for the consumers' quorum queues). Redis is a managed
 * dependency in production (the `wallet-redis` Secret names it); only the
 * local overlay runs one, as a single-node StatefulSet.
 */
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { databases } from "../../platform/mesh/catalogue.js";
import { cluster, pooler, rabbitmqCluster } from "./custom-resources.js";
import { databaseClusterOf, LOCAL_REDIS, RABBITMQ_CLUSTER } from "./data-names.js";
import { metadata, NAME_LABEL, partOf } from "./labels.js";
import { containerSecurityContext, podSecurityContext } from "./security-context.js";
import { ANNOTATION_PREFIX, NAMESPACE, PART_OF, type OverlayName } from "./settings.js";

/** The namespace. Pods must meet the `baseline` Pod Security Standard (the sidecars' init containers need NET_ADMIN); `restricted` is reported. */
export function namespaceObject(overlay: OverlayName): Namespace {
  return new Namespace({
    metadata: {
      name: NAMESPACE,
      labels: {
        "app.kubernetes.io/part-of": PART_OF,
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
      annotations: { [`${ANNOTATION_PREFIX}/overlay`]: overlay },
    },
  });
}

const sizes = {
  local: { instances: 1, storage: "1Gi", cpu: "100m", memory: "256Mi", poolers: 1, rabbitmqNodes: 1, rabbitmqStorage: "2Gi" },
  production: { instances: 3, storage: "20Gi", cpu: "500m", memory: "1Gi", poolers: 2, rabbitmqNodes: 3, rabbitmqStorage: "20Gi" },
} as const;

/** One database's Cluster and Pooler. */
function databaseObjects(database: (typeof databases)[number], overlay: OverlayName) {
  const size = sizes[overlay];
  const db = databaseClusterOf(database);
  const production = overlay === "production";
  return [
    cluster(metadata(db.name, partOf("database", db.name)), {
      description: `${database.owner}'s database (${database.env})`,
      instances: size.instances,
      primaryUpdateStrategy: "unsupervised",
      primaryUpdateMethod: "switchover",
      enableSuperuserAccess: false,
      bootstrap: { initdb: { database: db.database, owner: db.owner, dataChecksums: true, encoding: "UTF8" } },
      postgresql: {
        // Session-pooled databases hold one server connection per client connection.
        parameters: { max_connections: "200", shared_buffers: production ? "256MB" : "64MB" },
        // A commit is acknowledged once a replica has it: a failover loses no committed transaction.
        ...(production ? { synchronous: { method: "any", number: 1, dataDurability: "required" } } : {}),
      },
      storage: { size: size.storage, resizeInUseVolumes: true },
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: "preferred", topologyKey: "kubernetes.io/hostname" },
      resources: { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memory } },
    }),
    pooler(metadata(db.pooler, partOf("database-pooler", db.pooler), { [`${ANNOTATION_PREFIX}/pool-mode`]: db.poolMode.reason }), {
      cluster: { name: db.name },
      instances: size.poolers,
      type: "rw",
      pgbouncer: {
        poolMode: db.poolMode.mode,
        parameters: { max_client_conn: "1000", default_pool_size: db.poolMode.mode === "session" ? "120" : "25" },
      },
    }),
  ];
}

/** The RabbitMQ cluster the relays publish to and the consumers read from. */
function rabbitmqObject(overlay: OverlayName) {
  const size = sizes[overlay];
  // The operator labels the pods itself (app.kubernetes.io/name: the cluster's name); the resource keeps clear of those keys.
  return rabbitmqCluster(metadata(RABBITMQ_CLUSTER, { [`${ANNOTATION_PREFIX}/component`]: "message-broker" }), {
    replicas: size.rabbitmqNodes,
    persistence: { storage: size.rabbitmqStorage },
    resources: { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memory } },
    rabbitmq: {
      // The minority side of a partition pauses rather than diverging; quorum queues need a majority anyway.
      additionalConfig: "cluster_partition_handling = pause_minority\ndefault_queue_type = quorum\n",
    },
    ...(size.rabbitmqNodes > 1
      ? {
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { [NAME_LABEL]: RABBITMQ_CLUSTER } } } },
              ],
            },
          },
        }
      : {}),
  });
}

/** The local overlay's Redis: one node, its password from the `wallet-redis` Secret the local-secrets script makes. */
function localRedisObjects() {
  const labels = partOf("cache", LOCAL_REDIS);
  const selector = { [NAME_LABEL]: LOCAL_REDIS };
  return [
    new Service({
      metadata: metadata(LOCAL_REDIS, labels),
      spec: { selector, ports: [{ name: "tcp-redis", port: 6379, targetPort: "tcp-redis", protocol: "TCP", appProtocol: "redis" }] },
    }),
    new StatefulSet({
      metadata: metadata(LOCAL_REDIS, labels),
      spec: {
        serviceName: LOCAL_REDIS,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            // The redis image's own user.
            securityContext: podSecurityContext(999),
            containers: [
              {
                name: "redis",
                image: "redis:7.4-alpine",
                args: ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"],
                env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "wallet-redis", key: "password" } } }],
                ports: [{ name: "tcp-redis", containerPort: 6379, protocol: "TCP" }],
                readinessProbe: { tcpSocket: { port: "tcp-redis" }, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: "tcp-redis" }, periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: containerSecurityContext(),
                volumeMounts: [{ name: "data", mountPath: "/data" }],
              },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    }),
  ];
}

/** Everything an overlay's data-services file holds. */
export function dataServiceObjects(overlay: OverlayName) {
  return [
    ...databases.flatMap((database) => databaseObjects(database, overlay)),
    rabbitmqObject(overlay),
    ...(overlay === "local" ? localRedisObjects() : []),
  ];
}
