/** What `npm start` derives from PORT_OFFSET and MESH_NAME. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { databases, processByName, processes } from "../../../platform/mesh/catalogue.js";
import type { Infrastructure } from "../../../platform/testing/infrastructure.js";
import { audienceKey } from "../../../platform/internal-auth/index.js";
import { callersOfProcess } from "../../../platform/mesh/call-graph.js";
import { internalAuthEnvOf, meshCallerSecrets, meshIdentityFromEnv, meshStateNames, sharedMeshEnv } from "../mesh-env.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const infra = { postgresUrl: "postgres://postgres@127.0.0.1:5432/postgres", redisUrl: "redis://127.0.0.1:6379", amqpUrl: "amqp://guest:guest@127.0.0.1:5672" } as Infrastructure;

test("a mesh on shifted ports without a name of its own is named after its offset", () => {
  assert.deepEqual(meshIdentityFromEnv({ PORT_OFFSET: "100" }), { name: "wallet-100", offset: 100 });
  assert.deepEqual(meshIdentityFromEnv({}), { name: "wallet", offset: 0 });
  assert.deepEqual(meshIdentityFromEnv({ MESH_NAME: "blue" }), { name: "blue", offset: 0 });
});

test("a malformed PORT_OFFSET or MESH_NAME is refused naming the variable", () => {
  assert.throws(() => meshIdentityFromEnv({ PORT_OFFSET: "-5" }), /PORT_OFFSET/);
  assert.throws(() => meshIdentityFromEnv({ PORT_OFFSET: "1.5" }), /PORT_OFFSET/);
  assert.throws(() => meshIdentityFromEnv({ MESH_NAME: "Blue Mesh" }), /MESH_NAME/);
});

const parsedKeys = (raw: string) => JSON.parse(raw) as Record<string, Record<string, string>>;

test("every process signs with a secret of its own, made per run, never the user's shared one", () => {
  const secrets = meshCallerSecrets(processes, { INTERNAL_AUTH_SECRET: "a-shared-secret-of-the-user-0123456789" });
  const own = processes.map((entry) => {
    const auth = internalAuthEnvOf(secrets, entry);
    assert.equal(auth.INTERNAL_AUTH_KEY_ID, entry.name);
    return auth.INTERNAL_AUTH_SECRET;
  });
  assert.equal(new Set(own).size, processes.length, "no two processes share a secret");
  assert.ok(!own.includes("a-shared-secret-of-the-user-0123456789"));
  assert.deepEqual(Object.keys(secrets["ledger"]!).sort(), ["ledger", "ledger-outbox-relay"]);
  assert.equal(sharedMeshEnv(infra, {}, { name: "wallet", offset: 0 }).INTERNAL_AUTH_SECRET, undefined, "no secret is shared by the whole mesh");
  assert.equal(sharedMeshEnv(infra, {}, { name: "wallet", offset: 0 }).INTERNAL_AUTH_CALLER_KEYS, undefined, "nor any caller's keys");
  const again = meshCallerSecrets(processes, {});
  assert.notEqual(internalAuthEnvOf(again, processByName("ledger")).INTERNAL_AUTH_SECRET, internalAuthEnvOf(secrets, processByName("ledger")).INTERNAL_AUTH_SECRET, "made per run");
});

test("a server accepts exactly the callers the call graph lets call it, each with its key derived for that server", () => {
  const secrets = meshCallerSecrets(processes, {});
  for (const entry of processes) {
    const accepted = parsedKeys(internalAuthEnvOf(secrets, entry).INTERNAL_AUTH_CALLER_KEYS);
    const expected = entry.grpcPort === undefined ? [] : callersOfProcess(entry.service).filter((caller) => secrets[caller]);
    assert.deepEqual(Object.keys(accepted).sort(), expected, entry.name);
    for (const [caller, byId] of Object.entries(accepted)) {
      for (const [keyId, key] of Object.entries(byId)) assert.equal(key, audienceKey(secrets[caller]![keyId]!, entry.service), `${entry.name}: ${caller}/${keyId}`);
    }
  }
  assert.deepEqual(Object.keys(parsedKeys(internalAuthEnvOf(secrets, processByName("ledger-outbox-relay")).INTERNAL_AUTH_CALLER_KEYS)), [], "a relay serves nothing and holds no one's key");
});

test("no process holds a key with which it could sign as another caller to another service", () => {
  const secrets = meshCallerSecrets(processes, { INTERNAL_AUTH_CALLER_KEYS: JSON.stringify({ payments: { k1: "p".repeat(40) } }) });
  const servers = processes.filter((entry) => entry.grpcPort !== undefined);
  for (const holder of processes) {
    const auth = internalAuthEnvOf(secrets, holder);
    const held = new Set([auth.INTERNAL_AUTH_SECRET, ...Object.values(parsedKeys(auth.INTERNAL_AUTH_CALLER_KEYS)).flatMap((byId) => Object.values(byId))]);
    for (const receiver of servers.filter((r) => r.service !== holder.service)) {
      for (const [caller, byId] of Object.entries(parsedKeys(internalAuthEnvOf(secrets, receiver).INTERNAL_AUTH_CALLER_KEYS))) {
        if (caller === holder.service) continue;
        for (const key of Object.values(byId)) {
          assert.ok(!held.has(key), `${holder.name} holds the key ${caller} signs with toward ${receiver.service}`);
          assert.ok(![...held].some((secret) => audienceKey(secret, receiver.service) === key), `${holder.name} can derive the key ${caller} signs with toward ${receiver.service}`);
        }
      }
    }
  }
});

test("secrets the user lists in INTERNAL_AUTH_CALLER_KEYS join the mesh's (an external caller, a test's key for a caller)", () => {
  const payments = "p".repeat(40);
  const testBackoffice = "t".repeat(40);
  const secrets = meshCallerSecrets(processes, { INTERNAL_AUTH_CALLER_KEYS: JSON.stringify({ payments: { k1: payments }, backoffice: { test: testBackoffice } }) });
  assert.deepEqual(secrets["payments"], { k1: payments });
  assert.deepEqual(Object.keys(secrets["backoffice"]!).sort(), ["backoffice", "test"]);
  const ledger = parsedKeys(internalAuthEnvOf(secrets, processByName("ledger")).INTERNAL_AUTH_CALLER_KEYS);
  assert.deepEqual(ledger["payments"], { k1: audienceKey(payments, "ledger") }, "the ledger gets the payments system's key derived for it, never its secret");
  assert.throws(() => meshCallerSecrets(processes, { INTERNAL_AUTH_CALLER_KEYS: "payments:short" }), /INTERNAL_AUTH_CALLER_KEYS/);
});

test("identity's key set is looked up on the mesh's own identity port", () => {
  const env = sharedMeshEnv(infra, {}, { name: "wallet-100", offset: 100 });
  assert.equal(env.IDENTITY_URL, "http://127.0.0.1:8181");
  assert.equal(env.IDENTITY_JWKS_URL, "http://127.0.0.1:8181/.well-known/jwks.json");
  assert.equal(env.IDENTITY_ISSUER, "http://127.0.0.1:8181");
});

test("the default mesh keeps the catalogue's database names and the services' own defaults", () => {
  const env = sharedMeshEnv(infra, {}, { name: "wallet", offset: 0 });
  assert.equal(env.LEDGER_DATABASE_URL, "postgres://postgres@127.0.0.1:5432/wallet_ledger");
  assert.deepEqual(meshStateNames("wallet"), {});
});

test("a named mesh has databases of its own", () => {
  const env = sharedMeshEnv(infra, {}, { name: "blue-2", offset: 0 });
  for (const database of databases) {
    assert.match(env[database.env]!, /\/blue_2_[a-z_]+$/, database.env);
  }
});

/** Every environment variable a service or the platform declares that names shared Redis or RabbitMQ state. */
function stateVariablesInCode(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) {
        if (!["test", "testing", "node_modules", "migrations"].includes(name)) walk(file);
      } else if (file.endsWith(".ts")) {
        for (const match of readFileSync(file, "utf8").matchAll(/\b([A-Z][A-Z0-9_]*(?:_REDIS_PREFIX|_EXCHANGE|_QUEUE)):\s/g)) found.add(match[1]!);
      }
    }
  };
  walk(path.join(repoRoot, "services"));
  walk(path.join(repoRoot, "platform"));
  return found;
}

test("a named mesh sets every Redis key prefix, exchange and queue variable the code declares, each to a name of its own", () => {
  const declared = stateVariablesInCode();
  assert.ok(declared.size >= 8, `found ${[...declared].join(", ")}`);
  const names = meshStateNames("blue");
  for (const variable of declared) {
    assert.ok(names[variable], `npm start does not set ${variable} for a named mesh`);
    assert.match(names[variable]!, /^blue[.:]/, variable);
  }
});

test("a variable the user set wins over the mesh's derived name", () => {
  const env = sharedMeshEnv(infra, { RISK_CONSUMER_QUEUE: "mine" }, { name: "blue", offset: 0 });
  assert.equal(env.RISK_CONSUMER_QUEUE, "mine");
});
