/**
 * The operators' custom resources the manifests use, typed by hand for the
 * fields they set (kubernetes-models has no CloudNativePG or RabbitMQ
 * models). Their schemas, k8s/crds/*.schema.json, check them in the tests.
 */
import type { ObjectMeta } from "./labels.js";

type Quantity = string;
type Resources = { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> };

/** A custom resource: plain data with the same `toJSON` the models have. */
export class CustomResource<Spec> {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    readonly metadata: ObjectMeta,
    readonly spec: Spec,
  ) {}

  toJSON(): Record<string, unknown> {
    return JSON.parse(JSON.stringify({ apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadata, spec: this.spec }));
  }
}

/** CloudNativePG `Cluster` (postgresql.cnpg.io/v1). */
export interface ClusterSpec {
  description?: string;
  instances: number;
  primaryUpdateStrategy?: "unsupervised" | "supervised";
  primaryUpdateMethod?: "switchover" | "restart";
  enableSuperuserAccess?: boolean;
  enablePDB?: boolean;
  bootstrap?: { initdb?: { database?: string; owner?: string; dataChecksums?: boolean; encoding?: string; localeProvider?: string; locale?: string } };
  postgresql?: {
    parameters?: Record<string, string>;
    synchronous?: { method: "any" | "first"; number: number; dataDurability?: "required" | "preferred" };
  };
  storage?: { size?: Quantity; storageClass?: string; resizeInUseVolumes?: boolean };
  affinity?: { enablePodAntiAffinity?: boolean; podAntiAffinityType?: "preferred" | "required"; topologyKey?: string };
  resources?: Resources;
}

/** CloudNativePG `Pooler` (postgresql.cnpg.io/v1): PgBouncer in front of a cluster. */
export interface PoolerSpec {
  cluster: { name: string };
  instances?: number;
  type?: "rw" | "ro" | "r";
  pgbouncer: { poolMode?: "session" | "transaction"; parameters?: Record<string, string>; paused?: boolean };
}

/** RabbitMQ Cluster Operator `RabbitmqCluster` (rabbitmq.com/v1beta1). */
export interface RabbitmqClusterSpec {
  replicas?: number;
  terminationGracePeriodSeconds?: number;
  persistence?: { storage?: Quantity; storageClassName?: string };
  resources?: Resources;
  rabbitmq?: { additionalConfig?: string; additionalPlugins?: string[] };
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: Array<{
        weight: number;
        podAffinityTerm: { topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } };
      }>;
    };
  };
}

export const cluster = (metadata: ObjectMeta, spec: ClusterSpec) => new CustomResource("postgresql.cnpg.io/v1", "Cluster", metadata, spec);
export const pooler = (metadata: ObjectMeta, spec: PoolerSpec) => new CustomResource("postgresql.cnpg.io/v1", "Pooler", metadata, spec);
export const rabbitmqCluster = (metadata: ObjectMeta, spec: RabbitmqClusterSpec) => new CustomResource("rabbitmq.com/v1beta1", "RabbitmqCluster", metadata, spec);
