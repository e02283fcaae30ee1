/**
 * The Secrets of a local cluster, made fresh: every Secret the local overlay
 * references that no operator makes, with random keys (hmac mode: one secret
 * per process under its caller, and each server's callers' keys derived for
 * it, as `npm start` makes them). Printed by
 * scripts/k8s/local-secrets.ts for `kubectl apply -f -`; never committed.
 */
import { randomBytes } from "node:crypto";
import { Secret } from "kubernetes-models/v1/Secret";
import { processes } from "../../platform/mesh/catalogue.js";
import { internalAuthEnvOf, meshCallerSecrets } from "../start/mesh-env.js";
import { LOCAL_REDIS } from "./data-names.js";
import { serviceHost } from "./environment.js";
import { metadata, partOf } from "./labels.js";
import { readsVariable } from "./process-config.js";
import { secretVariables, type LocalValue } from "./secrets.js";

const valueOf = (local: LocalValue): string => {
  switch (local.kind) {
    case "random":
      return randomBytes(local.bytes).toString("base64url");
    case "whsec":
      return `whsec_${randomBytes(32).toString("base64")}`;
    case "fixed":
      return local.value;
  }
};

/** The Secrets, each with `stringData`. */
export function localSecrets(): Secret[] {
  const byName = new Map<string, Record<string, string>>();
  const put = (name: string, key: string, value: string) => byName.set(name, { ...byName.get(name), [key]: value });
  const password = randomBytes(24).toString("base64url");
  put("wallet-redis", "password", password);
  put("wallet-redis", "url", `redis://:${password}@${serviceHost(LOCAL_REDIS)}:6379`);
  const secrets = meshCallerSecrets(processes, {});
  for (const entry of processes) {
    const auth = internalAuthEnvOf(secrets, entry);
    put(`wallet-internal-auth-${entry.name}`, "secret", auth.INTERNAL_AUTH_SECRET);
    if (entry.grpcPort !== undefined) put(`wallet-internal-auth-${entry.name}`, "caller-keys", auth.INTERNAL_AUTH_CALLER_KEYS);
  }
  for (const item of secretVariables) {
    if (!item.local || item.variable.startsWith("INTERNAL_AUTH_")) continue;
    for (const entry of processes.filter((p) => readsVariable(p, item.variable))) put(item.secret(entry), item.key, valueOf(item.local));
  }
  return [...byName].map(([name, stringData]) => new Secret({ metadata: metadata(name, partOf("local-secret")), type: "Opaque", stringData }));
}
