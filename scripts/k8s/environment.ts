/**
 * A process's environment on Kubernetes: plain settings in a ConfigMap of its
 * own per overlay (`envFrom`), secrets as `secretKeyRef`s in the base
 * Deployment, and the database and RabbitMQ URLs put together from the
 * operators' secrets. A variable is set only when the process's own schema
 * reads it (scripts/k8s/process-config.ts).
 */
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { databases, processByName, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { upstreamUrlVariable } from "../../platform/mesh/upstreams.js";
import { databaseClusterOf, RABBITMQ_CLUSTER } from "./data-names.js";
import { upstreamsOf } from "./mesh-graph.js";
import { readsVariable } from "./process-config.js";
import { databaseAppSecret, rabbitmqDefaultUserSecret, secretVariables } from "./secrets.js";
import { deploymentOf, drain, edge, NAMESPACE, type OverlayName } from "./settings.js";

/** A Service's in-cluster DNS name. */
export const serviceHost = (name: string): string => `${name}.${NAMESPACE}.svc.cluster.local`;

/** The base URL of a server process, as its callers reach it. */
export const serverUrl = (entry: ProcessEntry): string => `http://${serviceHost(entry.name)}:${entry.grpcPort}`;

const identity = processByName("identity");

/** Where the gateway, the BFF and the backoffice fetch identity's keys (identity serves them on its gRPC port). */
export const jwksUrl = `${serverUrl(identity)}/.well-known/jwks.json`;

/** Settings that differ by overlay, for every process that reads them. */
function overlayValues(overlay: OverlayName): Record<string, string> {
  const production = overlay === "production";
  return {
    // The local overlay runs in development mode: the services' public development keys where they have them, HTTP at the edge.
    NODE_ENV: production ? "production" : "development",
    LOG_LEVEL: "info",
    INTERNAL_AUTH_MODE: production ? "mesh" : "hmac",
    SHUTDOWN_TIMEOUT_MS: String(drain.shutdownTimeoutMs),
    // Tokens name the public edge in production; locally, where identity listens (as `npm start` does).
    IDENTITY_ISSUER: production ? `https://${edge.host}` : serverUrl(identity),
    IDENTITY_JWKS_URL: jwksUrl,
    ...(production
      ? // The sidecar forwards the ingress gateway's X-Forwarded-For/-Proto from loopback.
        { GATEWAY_TRUSTED_PROXIES: "loopback" }
      : // kubectl port-forward speaks plain HTTP.
        { GATEWAY_REQUIRE_HTTPS: "false" }),
  };
}

/** The ConfigMap data of `entry` in `overlay`: every setting it reads, sorted by name. */
export function configMapData(entry: ProcessEntry, overlay: OverlayName): Record<string, string> {
  const values: Record<string, string> = {
    ...overlayValues(overlay),
    ADMIN_PORT: String(entry.adminPort),
    ...(entry.grpcPort === undefined ? {} : { GRPC_PORT: String(entry.grpcPort) }),
    ...(overlay === "local" ? { INTERNAL_AUTH_KEY_ID: entry.name } : {}),
  };
  for (const upstream of upstreamsOf(entry)) values[upstreamUrlVariable(upstream.service)] = serverUrl(upstream);
  const data: Record<string, string> = {};
  for (const name of Object.keys(values).sort()) {
    if (readsVariable(entry, name)) data[name] = values[name]!;
  }
  return data;
}

/** The ConfigMap of a process. */
export const configMapName = (entry: ProcessEntry): string => `${entry.name}-config`;

const fromSecret = (name: string, secret: string, key: string, optional = false): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
});

/**
 * The `env` of `entry`'s container: its secrets, then the URLs built from the
 * operators' secrets (Kubernetes expands `$(VAR)` from variables defined
 * earlier in the list). The database is reached through its PgBouncer pooler.
 */
export function secretEnv(entry: ProcessEntry): IEnvVar[] {
  const env: IEnvVar[] = [];
  const database = databases.find((d) => d.env === entry.databaseEnv);
  if (database) {
    const cluster = databaseClusterOf(database);
    env.push(fromSecret("DATABASE_USERNAME", databaseAppSecret(cluster.name), "username"));
    env.push(fromSecret("DATABASE_PASSWORD", databaseAppSecret(cluster.name), "password"));
    env.push({ name: database.env, value: `postgresql://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@${serviceHost(cluster.pooler)}:5432/${cluster.database}` });
  }
  if (deploymentOf(entry).amqp) env.push(fromSecret("AMQP_URL", rabbitmqDefaultUserSecret(RABBITMQ_CLUSTER), "connection_string"));
  for (const item of secretVariables) {
    if (item.variable === "INTERNAL_AUTH_CALLER_KEYS" && entry.grpcPort === undefined) continue; // only servers check callers
    if (readsVariable(entry, item.variable)) env.push(fromSecret(item.variable, item.secret(entry), item.key, item.optional));
  }
  return env;
}
