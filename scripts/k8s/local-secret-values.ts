/**
 * The Secrets of a local cluster, made fresh: every Secret the local overlay
 * references that no operator makes, with random keys (hmac mode: one key per
 * process under its caller, as `npm start` makes them). Printed by
 * scripts/k8s/local-secrets.ts for `kubectl apply -f -`; never committed.
 */
import { randomBytes } from "node:crypto";
import { Secret } from "kubernetes-models/v1/Secret";
import { processes } from "../../platform/mesh/catalogue.js";
import { meshCallerKeys } from "../start/mesh-env.js";
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
  const keys = meshCallerKeys(processes, {});
  put("wallet-internal-auth", "caller-keys", JSON.stringify(keys));
  for (const entry of processes) put(`wallet-internal-auth-${entry.name}`, "secret", keys[entry.service]![entry.name]!);
  for (const item of secretVariables) {
    if (!item.local || item.variable === "INTERNAL_AUTH_SECRET") continue;
    for (const entry of processes.filter((p) => readsVariable(p, item.variable))) put(item.secret(entry), item.key, valueOf(item.local));
  }
  return [...byName].map(([name, stringData]) => new Secret({ metadata: metadata(name, partOf("local-secret")), type: "Opaque", stringData }));
}
