/**
 * Each process's environment as an overlay gives it (its ConfigMap, its
 * Secret references filled with stand-ins of the right form, `$(VAR)`
 * expanded as the kubelet does) is accepted by the process's own
 * configuration schema and its start-up checks; and nothing is set that the
 * process does not read.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { readConfig } from "../../platform/config/read-config.js";
import { internalAuthSettings } from "../../platform/internal-auth/config.js";
import { processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { extraConfigs, processConfigSchema } from "../../scripts/k8s/process-config.js";
import { overlays } from "../../scripts/k8s/settings.js";
import { repoRoot } from "../../scripts/k8s/version.js";
import { auditExportSettings } from "../../services/audit-export/src/config.js";
import { keyEncryptionSecret } from "../../services/identity/src/config.js";
import { signingSecret } from "../../services/notification/src/delivery/delivery-config.js";
import { find, overlayObjects } from "./manifests.js";

const secret = () => randomBytes(32).toString("base64url");

/** What a Secret would hold, in the form its consumer expects; undefined: the Secret is absent in that overlay. */
function standIn(overlay: string, name: string, key: string): string | undefined {
  if (name.endsWith("-db-app")) return { username: "app", password: "cnpg-generated-password", uri: `postgresql://app:pw@${name.replace(/-app$/, "-rw")}.wallet:5432/app` }[key];
  if (name.endsWith("-default-user") && key === "connection_string") return "amqp://user:pw@wallet-rabbitmq.wallet.svc:5672/";
  if (name === "wallet-redis") return "rediss://:pw@redis.example.net:6380";
  if (name.startsWith("wallet-internal-auth")) {
    // hmac keys exist on the local cluster only; under the mesh the optional references stay unset.
    if (overlay === "production") return undefined;
    return key === "caller-keys" ? JSON.stringify({ payments: { k1: secret() } }) : secret();
  }
  const values: Record<string, string> = {
    "key-encryption-secret": secret(),
    "smtp-url": "smtps://mailer:pw@smtp.example.net:465",
    "sms-url": "https://sms.example.net/send",
    "push-url": "https://push.example.net/send",
    "sms-signing-secret": secret(),
    "push-signing-secret": secret(),
    "webhook-url": "https://siem.example.net/webhook",
    "signing-secret": `whsec_${randomBytes(32).toString("base64")}`,
  };
  return values[key];
}

/** The container's environment: envFrom first, then env in order, `$(VAR)` expanded from what came before. */
function environmentOf(overlay: string, entry: ProcessEntry): Record<string, string> {
  const objects = overlayObjects(overlay);
  const container = find(objects, "Deployment", entry.name).spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const source of container.envFrom) Object.assign(env, find(objects, "ConfigMap", source.configMapRef.name).data);
  for (const variable of container.env) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole: string, name: string) => env[name] ?? whole);
      continue;
    }
    const ref = variable.valueFrom.secretKeyRef;
    const value = standIn(overlay, ref.name, ref.key);
    if (value === undefined) assert.ok(ref.optional, `${entry.name}: ${ref.name}/${ref.key} must exist`);
    else env[variable.name] = value;
  }
  return env;
}

for (const overlay of overlays) {
  describe(`the ${overlay} overlay's environment`, () => {
    for (const entry of processes) {
      test(`${entry.name} starts with it: its configuration schema and start-up checks accept it`, () => {
        const env = environmentOf(overlay, entry);
        const config = readConfig(processConfigSchema(entry), env) as Record<string, any>;
        const auth = internalAuthSettings(config as never, entry.service);
        assert.equal(auth.mode, overlay === "production" ? "mesh" : "hmac");
        if (entry.name === "identity") keyEncryptionSecret(config as never);
        if (entry.name === "audit-export") auditExportSettings(config as never);
        if (entry.name === "notification-delivery") for (const gateway of ["SMS", "PUSH"] as const) signingSecret(config as never, gateway);
        if (entry.databaseEnv) assert.match(config[entry.databaseEnv], /^postgresql:\/\/app:cnpg-generated-password@[a-z-]+-db-pooler\./);
      });
    }

    test("every variable set for a process is one it reads (or one another variable refers to)", () => {
      for (const entry of processes) {
        const env = environmentOf(overlay, entry);
        const schema = processConfigSchema(entry).shape;
        const container = find(overlayObjects(overlay), "Deployment", entry.name).spec.template.spec.containers[0];
        const referenced = new Set<string>(container.env.flatMap((v: { value?: string }) => [...(v.value ?? "").matchAll(/\$\(([A-Z_]+)\)/g)].map((m) => m[1]!)));
        const unread = Object.keys(env).filter((name) => !(name in schema) && !referenced.has(name));
        assert.deepEqual(unread, [], entry.name);
      }
    });
  });
}

test("scripts/k8s/process-config.ts names the configuration each entry point builds its runtime with", () => {
  for (const entry of processes) {
    const extra = extraConfigs[entry.name];
    assert.ok(extra, `${entry.name} has no entry in scripts/k8s/process-config.ts`);
    const entryFile = readFileSync(path.join(repoRoot, "services", entry.service, entry.entry), "utf8");
    const runtimeFile = readFileSync(path.join(repoRoot, extra.file), "utf8");
    if (extra.file.includes("run-relay-process")) assert.match(entryFile, new RegExp(`runOutboxRelayProcess\\("${entry.name}"`));
    else assert.ok(entryFile.includes(`createProcessRuntime("${entry.name}"`), `${entry.entry} builds the runtime of ${entry.name}`);
    for (const name of extra.names) assert.ok(runtimeFile.includes(name), `${extra.file} passes ${name}`);
    assert.equal((runtimeFile.match(/extraConfig:/g) ?? []).length <= 1, true);
  }
});
